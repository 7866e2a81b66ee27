// Turns a failed invocation into the problem+json a synchronous caller (webhook, UDF call, ticket reply) receives.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { INVOCATION_ERRORS, type FieldError } from '../errors.js';

/** What the problem is built from: the executors' InvocationResult satisfies it (kept structural so api/ does not import executors/). */
export interface FailedInvocation {
  executionId: string;
  error?: { code: string; message: string; details?: Record<string, unknown> };
  executor: { name: string };
}

/** The HTTP status for an invocation error code (the catalogue in errors.ts; unknown codes are executor failures: 502). */
export function invocationHttpStatus(code: string): number {
  return (INVOCATION_ERRORS as Record<string, { status: number } | undefined>)[code]?.status ?? 502;
}

/** The RFC 9457 body for a failed invocation: `code` is the invocation error code, `executionId` leads to the trace. */
export function invocationProblem(result: FailedInvocation, instance: string | undefined, extra: Record<string, unknown> = {}): { status: number; body: Record<string, unknown> } {
  const err = result.error ?? { code: 'RUNTIME_ERROR', message: 'the execution failed' };
  const status = invocationHttpStatus(err.code);
  const fieldErrors = (err.details as { errors?: FieldError[] } | undefined)?.errors;
  return {
    status,
    body: {
      type: `https://outrigger.dev/problems/invocation/${err.code.toLowerCase().replaceAll('_', '-')}`,
      title: (INVOCATION_ERRORS as Record<string, { title: string } | undefined>)[err.code]?.title ?? 'The execution failed',
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
export function sendInvocationProblem(req: FastifyRequest, reply: FastifyReply, result: FailedInvocation, extra: Record<string, unknown> = {}): FastifyReply {
  const { status, body } = invocationProblem(result, req.url, extra);
  if (status === 503) reply.header('retry-after', '5');
  return reply.code(status).type('application/problem+json').send(body);
}
