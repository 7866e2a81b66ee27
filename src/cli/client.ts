// The CLI's HTTP client: base URL and token from flags or OUTRIGGER_URL / OUTRIGGER_TOKEN; problems become readable errors.

export class CliError extends Error {}

export interface ClientOptions {
  url?: string;
  token?: string;
}

export function clientFrom(opts: ClientOptions) {
  const base = (opts.url ?? process.env.OUTRIGGER_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const token = opts.token ?? process.env.OUTRIGGER_TOKEN;
  if (!token) throw new CliError('no token: pass --token or set OUTRIGGER_TOKEN (serve prints an admin token on first start)');
  return async function call(method: string, path: string, body?: unknown): Promise<any> {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      throw new CliError(`cannot reach ${base}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message} (is the server running? set --url or OUTRIGGER_URL)`);
    }
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const fields = (data?.errors ?? []).map((e: { field: string; message: string }) => `\n  ${e.field}: ${e.message}`).join('');
      throw new CliError(`${res.status} ${data?.title ?? res.statusText}: ${data?.detail ?? text}${fields}`);
    }
    return data;
  };
}

/** Parses a JSON argument with a message that names the flag. */
export function parseJsonArg(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${flag} is not valid JSON: ${(err as Error).message}`);
  }
}
