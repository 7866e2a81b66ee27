// Fetch wrapper over the REST API: the session's bearer token, JSON bodies, problem+json errors as ApiError.
const TOKEN_KEY = 'outrigger.token';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export interface FieldError {
  /** The API's JSON pointer of the field (problem+json `errors[].field`). */
  field?: string;
  path?: string;
  instancePath?: string;
  message: string;
}

/** A problem+json answer (RFC 9457) the console shows in place: title, detail and field errors. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly code: string | undefined,
    readonly errors: FieldError[],
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

export async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { title: text.slice(0, 200) };
  }
  const errors = Array.isArray(body.errors) ? (body.errors as FieldError[]) : [];
  return new ApiError(res.status, String(body.title ?? res.statusText), body.detail === undefined ? undefined : String(body.detail), body.code === undefined ? undefined : String(body.code), errors);
}

export function authHeaders(json: boolean): Record<string, string> {
  const token = getToken();
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}) };
}

/** Calls the API; a 204 is undefined, an error status throws ApiError. */
export async function api<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers = authHeaders(body !== undefined);
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const enc = encodeURIComponent;
