// What travels in a sync job's `result`: the invocation result, or the refusal (a ProblemError) the worker ran into.
import { PROBLEMS, ProblemError, type FieldError, type ProblemCode } from '../errors.js';
import type { InvocationResult } from '../executors/invoke.service.js';

export type JobOutcome =
  | { result: InvocationResult }
  | { problem: { code: string; message: string; errors?: FieldError[]; extra?: Record<string, unknown> } };

/** The outcome of a run on the worker, as the text stored in the row. */
export function encodeOutcome(outcome: { result: InvocationResult } | { error: unknown }): string {
  if ('result' in outcome) return JSON.stringify({ result: outcome.result });
  const err = outcome.error;
  if (err instanceof ProblemError) {
    return JSON.stringify({ problem: { code: err.code, message: err.message, ...(err.errors ? { errors: err.errors } : {}), ...(err.extra ? { extra: err.extra } : {}) } });
  }
  return JSON.stringify({ problem: { code: 'INTERNAL', message: `the worker failed to run the invocation: ${(err as Error)?.message ?? String(err)}` } });
}

/** Back on the api node: the result, or the same ProblemError the caller would have got from a local run. */
export function decodeOutcome(text: string): InvocationResult {
  const o = JSON.parse(text) as JobOutcome;
  if ('result' in o) return o.result;
  const code = (o.problem.code in PROBLEMS ? o.problem.code : 'INTERNAL') as ProblemCode;
  throw new ProblemError(code, o.problem.message, { ...(o.problem.errors ? { errors: o.problem.errors } : {}), ...(o.problem.extra ? { extra: o.problem.extra } : {}) });
}
