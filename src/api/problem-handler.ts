// Turns every error that reaches Fastify into an RFC 9457 problem+json answer; never leaks internals.
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError, toProblem, type FieldError, type ProblemCode } from '../errors.js';
import { classifyStoreError } from '../store/dialect.js';
import { isDatabaseUnavailable } from '../store/db-errors.js';

interface AjvLikeError {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** Field errors from Fastify's validation result; body fields as JSON pointers, others prefixed by their part. */
export function fieldErrorsFromValidation(validation: AjvLikeError[], context: string | undefined): FieldError[] {
  const prefix = !context || context === 'body' ? '' : `${context === 'querystring' ? 'query' : context}:`;
  const seen = new Set<string>();
  const out: FieldError[] = [];
  // A union of literals (`language: python | node | php`) fails as one `const` per branch plus an `anyOf`: name the values.
  const allowed = new Map<string, unknown[]>();
  for (const v of validation) {
    if (v.keyword === 'const') allowed.set(v.instancePath ?? '', [...(allowed.get(v.instancePath ?? '') ?? []), v.params?.allowedValue]);
  }
  const oneOf = (path: string) => allowed.get(path)!.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
  for (const raw of validation) {
    let v = raw;
    const literals = allowed.has(v.instancePath ?? '') && (v.keyword === 'anyOf' || v.keyword === 'const');
    if (literals && v.keyword === 'const' && validation.some((x) => x.keyword === 'anyOf' && (x.instancePath ?? '') === (v.instancePath ?? ''))) continue;
    if (literals && v.keyword === 'anyOf') v = { ...v, message: `must be one of ${oneOf(v.instancePath ?? '')}` };
    let field = v.instancePath ?? '';
    if (v.keyword === 'required') field += `/${String(v.params?.missingProperty)}`;
    if (v.keyword === 'additionalProperties') field += `/${String(v.params?.additionalProperty)}`;
    const message = v.keyword === 'additionalProperties' ? 'is not a known field' : (v.message ?? 'is invalid');
    const key = `${field} ${message}`;
    // Union types make Ajv report one failure per branch; say it once.
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field: prefix + (field || '/'), message });
  }
  return out;
}

function problemFor(err: FastifyError): ProblemError {
  const unavailable = databaseProblem(err);
  if (unavailable) return unavailable;
  if (err instanceof ProblemError) return err;
  if (err.validation) {
    const errors = fieldErrorsFromValidation(err.validation as AjvLikeError[], err.validationContext);
    return new ProblemError('VALIDATION_FAILED', errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors });
  }
  const byCode: Record<string, ProblemCode> = {
    FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
    FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  };
  // PostgreSQL refuses NUL in text (22021) and numbers out of range (22003): bad input that slipped past a
  // schema must still be a 400, never a 500, whichever route it came through.
  if (err.code === '22021' || err.code === '22003' || err.code === '22P05') {
    return new ProblemError('VALIDATION_FAILED', 'the request contains a value the database cannot store (a NUL character or a number out of range)');
  }
  const store = storeConflictProblem(err);
  if (store) return store;
  const mapped = err.code ? byCode[err.code] : undefined;
  if (mapped) return new ProblemError(mapped, err.message);
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) return new ProblemError('MALFORMED_JSON', err.message);
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    const code: ProblemCode = err.statusCode === 404 ? 'NOT_FOUND' : err.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : err.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'VALIDATION_FAILED';
    return new ProblemError(code, err.message);
  }
  return new ProblemError('INTERNAL', 'An internal error occurred; the server log has the details', { cause: err });
}

/**
 * A constraint violation that escaped its service (a race the service did not retry): the state changed under the
 * request, which is a 409, never a 500. Services that can do better (retry, name the field) do so themselves.
 */
function storeConflictProblem(err: unknown): ProblemError | undefined {
  const kind = classifyStoreError(err);
  if (kind === 'unique') return new ProblemError('CONFLICT', 'a concurrent request changed the same resource; retry the request', { cause: err });
  if (kind === 'foreignKey') return new ProblemError('CONFLICT', 'the request refers to something that was removed, or removes something still referenced', { cause: err });
  return undefined;
}

/** Methods of the known routes by path pattern, to tell 405 (known path, other method) from 404 (unknown path). */
class RouteMethods {
  private readonly routes: Array<{ segments: string[]; methods: Set<string> }> = [];

  add(url: string, method: string | string[]): void {
    const segments = url.split('/');
    let entry = this.routes.find((r) => r.segments.join('/') === segments.join('/'));
    if (!entry) this.routes.push(entry = { segments, methods: new Set() });
    for (const m of Array.isArray(method) ? method : [method]) entry.methods.add(m.toUpperCase());
    // Fastify answers HEAD for every GET route without announcing it to onRoute.
    if (entry.methods.has('GET')) entry.methods.add('HEAD');
  }

  /** The methods some route allows on this concrete path (empty: the path itself is unknown). */
  allowed(path: string): string[] {
    const parts = path.split('/');
    const out = new Set<string>();
    for (const r of this.routes) if (matches(r.segments, parts)) for (const m of r.methods) out.add(m);
    return [...out].sort();
  }
}

function matches(pattern: string[], parts: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '*') return true;
    const part = parts[i];
    if (part === undefined) return false;
    // A parameter (`:name`, also `:a-:b` or with a regexp) matches any non-empty segment.
    if (p.includes(':')) {
      if (part === '') return false;
    } else if (p !== part) return false;
  }
  return pattern.length === parts.length;
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemError): void {
  reply.code(problem.status).type('application/problem+json').send(toProblem(problem, request.url));
}

/** Installs the error and not-found handlers on the root instance (before any route is registered). */
export function installProblemHandlers(app: FastifyInstance): void {
  const known = new RouteMethods();
  // The console's page fallback (GET /*) answers any path: it must not make every path "known" for 405s.
  app.addHook('onRoute', (route) => {
    if (!(route.config as { pageFallback?: boolean } | undefined)?.pageFallback) known.add(route.url, route.method);
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const problem = problemFor(err);
    if (problem.code === 'DATABASE_UNAVAILABLE') {
      // Expected weather during a database restart: one line without a stack, and a hint when to come back.
      request.log.warn({ code: problem.code, detail: problem.message }, 'request refused: database unavailable');
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    } else if (problem.status === 503 || problem.status === 504) {
      // Fleet weather (no live worker, no answer in time): one line, not a stack.
      if (problem.retryAfterSeconds !== undefined) reply.header('retry-after', String(problem.retryAfterSeconds));
      request.log.warn({ code: problem.code, detail: problem.message }, 'request refused');
    } else if (problem.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: problem.code, detail: problem.message }, 'request refused');
    reply.code(problem.status).type('application/problem+json').send(toProblem(problem, request.url));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allow = known.allowed(path);
    if (allow.length && !allow.includes(request.method)) {
      reply.header('allow', allow.join(', '));
      sendProblem(request, reply, new ProblemError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; allowed: ${allow.join(', ')}`));
      return;
    }
    sendProblem(request, reply, new ProblemError('NOT_FOUND', `no route ${request.method} ${path}`));
  });
}

/** Renders the router's own refusals (a malformed URL, a path parameter over maxParamLength) as problem+json too. */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = new ProblemError('VALIDATION_FAILED', err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is too long' : 'the URL is malformed', { errors: [{ field: 'params:/', message: err.message }] });
  reply.code(problem.status).type('application/problem+json').send(toProblem(problem, request.url));
}

// Node's parser error codes for the refusals that have a code of their own; anything else is not HTTP: 400.
const CLIENT_ERRORS: Record<string, { code: ProblemCode; detail: string; reason: string }> = {
  HPE_HEADER_OVERFLOW: { code: 'HEADERS_TOO_LARGE', detail: 'the request headers exceed the server\'s maximum header size', reason: 'Request Header Fields Too Large' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'REQUEST_TIMEOUT', detail: 'the request was not received in time', reason: 'Request Timeout' },
};

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (headers too large, not HTTP at all); Fastify's
 * default answer is plain JSON. Answer problem+json like everything else, then close the socket as Node would.
 */
export function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const known = err.code ? CLIENT_ERRORS[err.code] : undefined;
  const problem = new ProblemError(known?.code ?? 'VALIDATION_FAILED', known?.detail ?? 'the request is not valid HTTP/1.1');
  const body = JSON.stringify(toProblem(problem));
  this.log.debug({ err }, 'client error');
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${problem.status} ${known?.reason ?? 'Bad Request'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/** Seconds a client is asked to wait (Retry-After) while the database is away; readiness usually returns within that. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * A database outage (connection refused or cut, server restarting), wherever it surfaced (a repository, a
 * service that wrapped it as INTERNAL, the token check), is a 503 to retry, never a 500.
 */
export function databaseProblem(err: unknown): ProblemError | undefined {
  if (err instanceof ProblemError && err.status < 500) return undefined;
  if (err instanceof ProblemError && err.code === 'DATABASE_UNAVAILABLE') return err;
  if (!isDatabaseUnavailable(err)) return undefined;
  return new ProblemError('DATABASE_UNAVAILABLE', 'the database is unavailable (restarting or unreachable); retry shortly', { cause: err });
}
