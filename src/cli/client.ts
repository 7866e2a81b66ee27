// The CLI's HTTP client: base URL and token from flags or OUTRIGGER_URL / OUTRIGGER_TOKEN; problems become readable errors.

export class CliError extends Error {}

/** A problem+json answer of the server: the status and its field errors, for commands that handle some of them. */
export class CliHttpError extends CliError {
  constructor(message: string, readonly status: number, readonly errors: Array<{ field: string; message: string }>) {
    super(message);
  }
}

export interface ClientOptions {
  url?: string;
  token?: string;
}

/** Calls the API: `call(method, path, body?)` resolves to the parsed JSON answer or throws a CliError. */
export type ApiCall = (method: string, path: string, body?: unknown) => Promise<any>;

/** A client for the server named by the flags or the environment; throws when there is no token. */
export function clientFrom(opts: ClientOptions, env: NodeJS.ProcessEnv = process.env): ApiCall {
  const base = (opts.url ?? env.OUTRIGGER_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const token = opts.token ?? env.OUTRIGGER_TOKEN;
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
      // undici wraps the socket error; with several addresses it is an AggregateError of them.
      const cause = (err as { cause?: { code?: string; errors?: Array<{ code?: string }> } }).cause;
      throw new CliError(`cannot reach ${base}: ${cause?.code ?? cause?.errors?.[0]?.code ?? (cause as { message?: string } | undefined)?.message ?? (err as Error).message} (is the server running? set --url or OUTRIGGER_URL)`);
    }
    const text = await res.text();
    let data: any = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      if (res.ok) throw new CliError(`${method} ${path}: the server answered ${res.status} with non-JSON text: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const errors = Array.isArray(data?.errors) ? data.errors as Array<{ field: string; message: string }> : [];
      const fields = errors.map((e) => `\n  ${e.field}: ${e.message}`).join('');
      throw new CliHttpError(`${res.status} ${data?.title ?? res.statusText}: ${data?.detail ?? text}${fields}`, res.status, errors);
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
