// Runs a draft through POST /api/executors/:name/test/stream: log lines as they arrive, then the result or a problem.
import { ApiError, authHeaders, enc, toApiError } from './api';
import { readEventStream } from './sse';
import type { InvocationResult, LogLine } from './types';

export interface StreamHandlers {
  onLog(line: LogLine): void;
}

/** Resolves with the invocation result; a refusal before or during the run rejects with ApiError. */
export async function streamTestRun(name: string, draft: unknown, input: unknown, handlers: StreamHandlers, signal?: AbortSignal): Promise<InvocationResult> {
  const res = await fetch(`/api/executors/${enc(name)}/test/stream`, {
    method: 'POST', headers: { ...authHeaders(true), accept: 'text/event-stream' }, body: JSON.stringify({ draft, input }), ...(signal ? { signal } : {}),
  });
  if (!res.ok || !res.body) throw await toApiError(res);
  // The stream is read to its end (the server closes it after the result): leaving early would abort the request.
  let result: InvocationResult | null = null;
  let problem: ApiError | null = null;
  for await (const frame of readEventStream(res.body)) {
    const data = JSON.parse(frame.data) as unknown;
    if (frame.event === 'log') handlers.onLog(data as LogLine);
    else if (frame.event === 'result') result = data as InvocationResult;
    else if (frame.event === 'problem') {
      const p = data as { status?: number; title?: string; detail?: string; code?: string };
      problem = new ApiError(p.status ?? 500, p.title ?? 'the test run failed', p.detail, p.code, []);
    }
  }
  if (problem) throw problem;
  if (result) return result;
  throw new ApiError(502, 'the test run ended without a result', 'the connection closed early', undefined, []);
}
