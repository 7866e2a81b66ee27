// The catalogue of coded errors (code -> HTTP status, title) and their RFC 9457 problem+json rendering.

/**
 * Problems a request can run into before anything is executed (rendered as problem+json).
 * Every code the API answers with is here, with its status and a one-line meaning (`title`);
 * docs/errors.md lists the same codes and a test keeps the two equal.
 */
export const PROBLEMS = {
  VALIDATION_FAILED: { status: 400, title: 'The request is invalid' },
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  // Also a workspace quota (storage bytes or keys, `limit` names which): one code for every configured limit, so that
  // clients and the SDK need one check; not 429, which clients retry, nor 507, a server error.
  LIMIT_EXCEEDED: { status: 400, title: 'The request exceeds a configured limit or quota (size, depth, complexity, storage)' },
  UNAUTHENTICATED: { status: 401, title: 'A valid bearer token is required' },
  FORBIDDEN: { status: 403, title: 'The token’s role does not allow this' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'The path exists but not with this method (see Allow)' },
  REQUEST_TIMEOUT: { status: 408, title: 'The request was not received in time' },
  CONFLICT: { status: 409, title: 'Conflict with the current state' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  HEADERS_TOO_LARGE: { status: 431, title: 'The request headers are too large' },
  INTERNAL: { status: 500, title: 'Internal error' },
  // An upstream the server itself talks to (e.g. an agent's LLM endpoint) failed.
  UPSTREAM_FAILED: { status: 502, title: 'An upstream service failed' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'The service is not ready' },
  // An api node handed a synchronous invocation to the workers and none answered before the caller's deadline.
  GATEWAY_TIMEOUT: { status: 504, title: 'No worker answered the synchronous invocation before its deadline' },
  // The database is restarting or unreachable: a retryable 503 with Retry-After, never a 500.
  DATABASE_UNAVAILABLE: { status: 503, title: 'The database is unavailable; retry shortly' },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

/**
 * Codes of a failed invocation (SPEC 2); the invoke call itself answers 200 with `status: "error"`. `status` is the
 * HTTP status a caller that waits for the result receives (webhooks, UDF calls, ticket replies): the executor is the
 * caller's upstream, so its failures are 502 (as an API gateway answers for a failing function), not 500.
 * NOT_FOUND is 502, not 404: it names something the execution referred to (a secret, a UDF), and a 404 would make
 * the caller believe the webhook itself does not exist.
 */
export const INVOCATION_ERRORS = {
  INPUT_INVALID: { status: 400, title: 'The input does not match the executor’s inputSchema' },
  TIMEOUT: { status: 504, title: 'The execution ran past its time-out' },
  OUT_OF_MEMORY: { status: 502, title: 'The execution ran out of memory' },
  RUNTIME_ERROR: { status: 502, title: 'The code raised an uncaught error' },
  OUTPUT_INVALID: { status: 502, title: 'The output is not JSON, too large, or does not match the outputSchema' },
  UPSTREAM_ERROR: { status: 502, title: 'The upstream answered with a non-2xx status' },
  UPSTREAM_UNREACHABLE: { status: 502, title: 'The upstream could not be reached' },
  EGRESS_DENIED: { status: 502, title: 'The destination is not allowed by the egress rules' },
  DEPENDENCIES_NOT_READY: { status: 503, title: 'The executor’s dependencies are not installed yet (temporary; Retry-After is set)' },
  LIMIT_EXCEEDED: { status: 502, title: 'A limit of the execution was exceeded' },
  NOT_FOUND: { status: 502, title: 'Something the execution refers to does not exist' },
} as const;

export type InvocationErrorCode = keyof typeof INVOCATION_ERRORS;

/**
 * Codes carried inside results rather than as an HTTP answer: replies to SDK calls made by running code, tool-call
 * results, and the last error of a delivery or a ticket reply. `status` is the HTTP answer where a route surfaces the
 * code directly, null where it never is an HTTP status.
 */
export const RESULT_ERRORS = {
  INVALID_ARGUMENTS: { status: 400, title: 'The arguments of an SDK or tool call are invalid' },
  UNKNOWN_OPERATION: { status: null, title: 'Running code asked the SDK for an operation that does not exist' },
  NOT_AVAILABLE: { status: null, title: 'The SDK operation is not available on this server' },
  SDK_ERROR: { status: null, title: 'An SDK call failed without a code of its own, or its answer could not be sent' },
  TOOL_DISABLED: { status: 409, title: 'The AI tool is disabled' },
  RULE_ERROR: { status: null, title: 'An agent rule could not be evaluated (the agent run failed)' },
  FILTER_FAILED: { status: null, title: 'An event hook’s filter failed on the event (the delivery failed)' },
  INTERRUPTED: { status: null, title: 'The server stopped while a ticket reply’s webhook ran (retryable)' },
  REFERENCE_PATH_UNMAPPED: { status: null, title: 'Compatibility SDK: a reference-platform API path without a counterpart here' },
  DRAFT_REFUSED: { status: null, title: '`outrigger test --remote`: the server refused the fixture’s draft run' },
} as const;

export type ResultErrorCode = keyof typeof RESULT_ERRORS;

export interface FieldError {
  /** JSON pointer-ish path of the offending field, e.g. `/apiCall/method` or `body`. */
  field: string;
  message: string;
}

/** An error that becomes a problem+json response. */
export class ProblemError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly errors?: FieldError[];
  readonly extra?: Record<string, unknown>;
  /** Sent as Retry-After: the refusal is temporary (no live worker yet). */
  readonly retryAfterSeconds?: number;

  constructor(code: ProblemCode, detail?: string, opts: { errors?: FieldError[]; extra?: Record<string, unknown>; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(detail ?? PROBLEMS[code].title, { cause: opts.cause });
    this.name = 'ProblemError';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.errors = opts.errors;
    this.extra = opts.extra;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

/**
 * A 400 VALIDATION_FAILED naming the offending fields; the detail lists them unless given
 * (the one helper for what routes and services used to spell out by hand).
 */
export function invalid(errors: FieldError | FieldError[], detail?: string): ProblemError {
  const list = Array.isArray(errors) ? errors : [errors];
  return new ProblemError('VALIDATION_FAILED', detail ?? list.map((e) => `${e.field} ${e.message}`).join('; '), { errors: list });
}

/** Refuses a PUT whose body names another resource than its path (400 on `/name`). */
export function requireNameMatchesPath(bodyName: string, pathName: string): void {
  if (bodyName !== pathName) throw invalid({ field: '/name', message: 'must equal the name in the path' }, `the body's name "${bodyName}" differs from the path's "${pathName}"`);
}

/** An invocation failure: carried inside an execution result, not thrown to HTTP. */
export class InvocationError extends Error {
  readonly code: InvocationErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: InvocationErrorCode, message?: string, details?: Record<string, unknown>, cause?: unknown) {
    super(message ?? INVOCATION_ERRORS[code].title, { cause });
    this.name = 'InvocationError';
    this.code = code;
    this.details = details;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: FieldError[];
  [key: string]: unknown;
}

/** Renders a ProblemError as an RFC 9457 body. */
export function toProblem(err: ProblemError, instance?: string): ProblemBody {
  return {
    type: `https://outrigger.dev/problems/${err.code.toLowerCase().replaceAll('_', '-')}`,
    title: PROBLEMS[err.code].title,
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...(err.errors ? { errors: err.errors } : {}),
    ...(err.extra ?? {}),
  };
}
