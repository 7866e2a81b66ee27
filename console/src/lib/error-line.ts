// The line of the user's own file an invocation error points at: the SDK's `details.line`, else the stack's last frame in it.
const USER_FILES = ['main.py', 'main.mjs', 'main.php', 'main.js'];

export function errorLine(details: { stack?: string; file?: string; line?: number } | undefined): number | null {
  if (!details) return null;
  if (typeof details.line === 'number' && details.line > 0) return details.line;
  const stack = details.stack ?? '';
  let found: number | null = null;
  for (const file of USER_FILES) {
    const re = new RegExp(`${file.replace('.', '\\.')}"?(?:, line |:)(\\d+)`, 'g');
    for (const m of stack.matchAll(re)) found = Number(m[1]);
  }
  return found;
}
