// The catalogue of coded errors (code -> HTTP status, title) and their RFC 9457 problem+json rendering.

/** Problems a request can run into before anything is executed (rendered as problem+json). */
export const PROBLEMS = {
  VALIDATION_FAILED: { status: 400, title: 'The request is invalid' },
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  UNAUTHENTICATED: { status: 401, title: 'A valid bearer token is required' },
  FORBIDDEN: { status: 403, title: 'The token’s role does not allow this' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict with the current state' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'The service is not ready' },
  // The database is restarting or unreachable: a retryable 503 with Retry-After, never a 500.
  DATABASE_UNAVAILABLE: { status: 503, title: 'The database is unavailable; retry shortly' },
  INTERNAL: { status: 500, title: 'Internal error' },
  // An upstream the server itself talks to (e.g. an agent's LLM endpoint) failed.
  UPSTREAM_FAILED: { status: 502, title: 'An upstream service failed' },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

/** Codes of a failed invocation (SPEC 2); the call itself answers 200 with `status: "error"`. */
export const INVOCATION_ERRORS = {
  INPUT_INVALID: 'The input does not match the executor’s inputSchema',
  TIMEOUT: 'The execution ran past its time-out',
  OUT_OF_MEMORY: 'The execution ran out of memory',
  RUNTIME_ERROR: 'The code raised an uncaught error',
  OUTPUT_INVALID: 'The output is not JSON, too large, or does not match the outputSchema',
  UPSTREAM_ERROR: 'The upstream answered with a non-2xx status',
  UPSTREAM_UNREACHABLE: 'The upstream could not be reached',
  EGRESS_DENIED: 'The destination is not allowed by the egress rules',
  DEPENDENCIES_NOT_READY: 'The executor’s dependencies are not installed yet',
  LIMIT_EXCEEDED: 'A limit of the execution was exceeded',
  NOT_FOUND: 'Something the execution refers to does not exist',
} as const;

export type InvocationErrorCode = keyof typeof INVOCATION_ERRORS;

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

  constructor(code: ProblemCode, detail?: string, opts: { errors?: FieldError[]; extra?: Record<string, unknown>; cause?: unknown } = {}) {
    super(detail ?? PROBLEMS[code].title, { cause: opts.cause });
    this.name = 'ProblemError';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.errors = opts.errors;
    this.extra = opts.extra;
  }
}

/** An invocation failure: carried inside an execution result, not thrown to HTTP. */
export class InvocationError extends Error {
  readonly code: InvocationErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: InvocationErrorCode, message?: string, details?: Record<string, unknown>, cause?: unknown) {
    super(message ?? INVOCATION_ERRORS[code], { cause });
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
