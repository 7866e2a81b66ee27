// The streamed variant of the test run: Server-Sent Events with each log line as it arrives, then the result.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { NameParams, InvocationInput } from '../api/common-schemas.js';
import { ExecutorDraft } from './definition.js';
import type { InvokeService } from './invoke.service.js';
import { ProblemError, toProblem } from '../errors.js';

/** One SSE frame; JSON text has no raw newlines, so `data:` is always a single line. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Starts the event stream on the first frame, not before: a run that cannot start at all (unknown executor,
 * sandbox off) fails before any byte is sent and stays an ordinary problem+json answer.
 */
function lazyEventStream(reply: FastifyReply) {
  let open = false;
  return {
    get open() { return open; },
    send(event: string, data: unknown) {
      if (!open) {
        open = true;
        reply.hijack();
        // no-transform/X-Accel-Buffering: a proxy must pass each line on at once rather than buffer the stream.
        // no-cache, not no-store: Chromium fails a no-store fetch stream that reached its end (playwright#42742);
        // a POST answer is not stored anyway. connection: close: the stream is one answer, not a kept-alive socket.
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', connection: 'close' });
      }
      // A client that went away leaves the run to finish and be recorded; nothing more is written.
      if (!reply.raw.destroyed) reply.raw.write(frame(event, data));
    },
    end() {
      if (open && !reply.raw.destroyed) reply.raw.end();
    },
  };
}

export const testStreamRoutes: FastifyPluginAsyncTypebox<{ invoker: InvokeService }> = async (app, { invoker }) => {
  app.post('/:name/test/stream', {
    config: { permission: 'executors:write' },
    schema: {
      tags: ['executors'],
      summary: 'Run a draft like POST /test, streamed as Server-Sent Events',
      description: 'Answers `text/event-stream`: a `log` event `{ts, level, message}` for each log line while the code runs (secret values redacted), then one `result` event with the same body POST /test answers. Requests that cannot run at all are problem+json as for /test.',
      params: NameParams,
      body: Type.Object({ input: Type.Optional(InvocationInput), draft: Type.Optional(ExecutorDraft) }, { additionalProperties: false }),
      response: { 200: { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
    },
  }, async (req, reply) => {
    const stream = lazyEventStream(reply);
    try {
      const result = await invoker.invoke({
        workspaceId: req.principal.workspaceId, executorName: req.params.name, input: req.body.input ?? {}, trigger: 'test',
        triggerRef: req.principal.tokenId, draft: req.body.draft, onLog: (line) => stream.send('log', line),
      });
      stream.send('result', result);
    } catch (err) {
      // Once the stream is open the status line is sent: the refusal becomes the stream's last event.
      if (!stream.open) throw err;
      const problem = err instanceof ProblemError ? err : new ProblemError('INTERNAL', 'the test run failed', { cause: err });
      stream.send('problem', toProblem(problem, req.url));
    }
    stream.end();
    return reply;
  });
};
