// Turns a failed invocation into the problem+json a synchronous caller (webhook, UDF call, ticket reply) receives.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { INVOCATION_ERRORS, type FieldError, type InvocationErrorCode } from '../../errors.js';
import type { InvocationResult } from '../../executors/invoke.service.js';

/**
 * HTTP status of each invocation error code when a caller waits for the result (SPEC 3, webhooks).
 *
 * | code                    | status | why                                                                 |
 * |-------------------------|--------|---------------------------------------------------------------------|
 * | INPUT_INVALID           | 400    | the caller's input does not match the executor's inputSchema        |
 * | TIMEOUT                 | 504    | the executor (or its peripheral system) did not answer in time      |
 * | DEPENDENCIES_NOT_READY  | 503    | temporary: packages are still installing (Retry-After is set)       |
 * | UPSTREAM_ERROR          | 502    | the peripheral system answered non-2xx                              |
 * | UPSTREAM_UNREACHABLE    | 502    | the peripheral system could not be reached                          |
 * | OUTPUT_INVALID          | 502    | the executor's answer was unusable                                  |
 * | RUNTIME_ERROR, OUT_OF_MEMORY, LIMIT_EXCEEDED, EGRESS_DENIED, NOT_FOUND, anything else | 502 |
 * |                         |        | the executor — the caller's upstream — failed; Outrigger itself worked, so not 500 (as an API gateway answers for a failing function) |
 *
 * 404 is deliberately not used for NOT_FOUND: it names something the execution referred to (a secret, a UDF),
 * and a 404 would make the caller believe the webhook itself does not exist.
 */
export const INVOCATION_HTTP_STATUS: Readonly<Record<InvocationErrorCode, number>> = {
  INPUT_INVALID: 400,
  TIMEOUT: 504,
  DEPENDENCIES_NOT_READY: 503,
  UPSTREAM_ERROR: 502,
  UPSTREAM_UNREACHABLE: 502,
  OUTPUT_INVALID: 502,
  RUNTIME_ERROR: 502,
  OUT_OF_MEMORY: 502,
  LIMIT_EXCEEDED: 502,
  EGRESS_DENIED: 502,
  NOT_FOUND: 502,
};

/** The HTTP status for an invocation error code (unknown codes are executor failures: 502). */
export function invocationHttpStatus(code: string): number {
  return (INVOCATION_HTTP_STATUS as Record<string, number>)[code] ?? 502;
}

/** The RFC 9457 body for a failed invocation: `code` is the invocation error code, `executionId` leads to the trace. */
export function invocationProblem(result: InvocationResult, instance: string | undefined, extra: Record<string, unknown> = {}): { status: number; body: Record<string, unknown> } {
  const err = result.error ?? { code: 'RUNTIME_ERROR', message: 'the execution failed' };
  const status = invocationHttpStatus(err.code);
  const fieldErrors = (err.details as { errors?: FieldError[] } | undefined)?.errors;
  return {
    status,
    body: {
      type: `https://outrigger.dev/problems/invocation/${err.code.toLowerCase().replaceAll('_', '-')}`,
      title: (INVOCATION_ERRORS as Record<string, string>)[err.code] ?? 'The execution failed',
      status,
      detail: err.message,
      code: err.code,
      ...(instance ? { instance } : {}),
      ...(Array.isArray(fieldErrors) ? { errors: fieldErrors.map((e) => ({ field: `/input${e.field === '/' ? '' : e.field}`, message: e.message })) } : {}),
      executionId: result.executionId,
      executor: result.executor.name,
      ...(err.details ? { details: err.details } : {}),
      ...extra,
    },
  };
}

/** Sends a failed invocation as problem+json. */
export function sendInvocationProblem(req: FastifyRequest, reply: FastifyReply, result: InvocationResult, extra: Record<string, unknown> = {}): FastifyReply {
  const { status, body } = invocationProblem(result, req.url, extra);
  if (status === 503) reply.header('retry-after', '5');
  return reply.code(status).type('application/problem+json').send(body);
}
