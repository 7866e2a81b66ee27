// Carries out a checked FolderPlan on the server in dependency order: executors, then bindings (what they reference
// first), then with --prune the deletions in reverse order; and the version message taken from Git.
import { execFileSync } from 'node:child_process';
import { BINDING_KINDS } from './bindings.js';
import { CliHttpError, type ApiCall } from '../client.js';
import type { FolderPlan } from './plan.js';

export interface ApplyOptions {
  message?: string;
  prune?: boolean;
  out(text: string): void;
  err(text: string): void;
}

/** `<subject> (<short hash>)` of the HEAD commit of the Git repository holding `dir`, or undefined outside one. */
export function gitHeadMessage(dir: string): string | undefined {
  try {
    // No shell: git is run directly with fixed arguments; stderr is swallowed (not a repository, git missing).
    const text = execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h%x00%s'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    const [hash, subject] = text.trim().split('\0');
    if (!hash) return undefined;
    // The version message holds at most 1000 characters; a long subject is cut, the hash always stays.
    return `${(subject ?? '').slice(0, 900)} (${hash})`;
  } catch {
    return undefined;
  }
}

const refusal = (err: unknown): err is CliHttpError => err instanceof CliHttpError && (err.status === 400 || err.status === 409 || err.status === 422);

/**
 * Executors are PUT first (one the server refuses is reported and the others still go, as before); bindings only
 * when every executor went through, each kind after the kinds it references; the first refused binding stops the push
 * and the report says what was already applied. Returns the exit code.
 */
export async function applyPlan(call: ApiCall, plan: FolderPlan, o: ApplyOptions): Promise<number> {
  let failed = 0;
  const applied: string[] = [];
  for (const c of plan.executors) {
    if (c.state === 'unchanged') {
      o.out(`${c.local.name}: unchanged\n`);
      continue;
    }
    try {
      const body = { ...c.local.definition, ...(o.message ? { message: o.message } : {}) };
      const r = await call('PUT', `/api/executors/${encodeURIComponent(c.local.name)}`, body);
      const what = r.changed === false ? 'unchanged' : r.latestVersion === 1 ? 'created' : `version ${r.activeVersion}`;
      o.out(`${c.local.name}: ${what}\n`);
      applied.push(c.local.name);
    } catch (err) {
      // Refusals of this executor's content are reported and the push goes on; anything else (unreachable, no permission) stops it.
      if (!refusal(err)) throw err;
      failed++;
      const fields = err.errors.map((e) => `\n  ${c.local.fileOf(e.field)}: ${e.field} ${e.message}`).join('');
      o.out(`${c.local.name}: FAILED ${err.message.split('\n')[0]}${fields}\n`);
    }
  }
  if (failed) {
    const n = plan.executors.length;
    o.err(`outrigger: ${failed} of ${n} executor${n > 1 ? 's' : ''} failed to push${plan.bindingsManaged ? '; no binding was applied' : ''}\n`);
    return 1;
  }
  for (const b of plan.bindings) {
    if (b.state === 'unchanged') continue;
    if (b.state === 'server-only') continue;
    const local = b.local!;
    try {
      await call('PUT', `${b.kind.path}/${encodeURIComponent(b.name)}`, local.body);
      o.out(`${b.kind.label} ${b.name}: ${b.state === 'new' ? 'created' : 'replaced'}\n`);
      applied.push(`${b.kind.label} ${b.name}`);
    } catch (err) {
      if (!refusal(err)) throw err;
      const fields = err.errors.map((e) => `\n  ${local.file}:${local.lineOf(e.field) ?? local.line}: ${local.pointer}${e.field} ${e.message}`).join('');
      o.out(`${b.kind.label} ${b.name}: FAILED ${err.message.split('\n')[0]}${fields || `\n  ${local.file}:${local.line}`}\n`);
      o.err(`outrigger: the push stopped at ${b.kind.label} ${b.name}; already applied: ${applied.length ? applied.join(', ') : 'nothing'}\n`);
      return 1;
    }
  }
  const serverOnly = [
    ...[...BINDING_KINDS].reverse().flatMap((k) => plan.bindings.filter((b) => b.kind === k && b.state === 'server-only').map((b) => ({ label: `${k.label} ${b.name}`, path: `${k.path}/${encodeURIComponent(b.name)}` }))),
    ...plan.serverOnlyExecutors.map((n) => ({ label: `executor ${n}`, path: `/api/executors/${encodeURIComponent(n)}` })),
  ];
  if (!o.prune) {
    if (serverOnly.length) o.out(`only on the server (kept; push --prune deletes them): ${serverOnly.map((s) => s.label).join(', ')}\n`);
    return 0;
  }
  for (const s of serverOnly) {
    try {
      await call('DELETE', s.path);
      o.out(`${s.label}: deleted (--prune)\n`);
    } catch (err) {
      if (!refusal(err)) throw err;
      o.out(`${s.label}: FAILED to delete: ${err.message.split('\n')[0]}\n`);
      o.err(`outrigger: --prune stopped at ${s.label}\n`);
      return 1;
    }
  }
  return 0;
}
