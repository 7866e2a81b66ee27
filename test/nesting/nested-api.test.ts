// Invocations and events started by a running execution through the platform API (what ctx.api does) are nested
// under it: same root, parent set, its deadline shared, refused past the depth limit; events it writes are one
// causation step deeper, and deliveries at the causation limit are not run but recorded in the trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';
import { expectHealthy, fakeRunningExecution } from './helpers.js';
import { runAsPartOf } from '../../src/executors/nesting.js';

const MAX_DEPTH = 3;
const MAX_EVENT_DEPTH = 4;

for (const dialect of DIALECTS) {
  describe(`nested work through the API on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;

    beforeAll(async () => {
      up = await startUpstream((req, res) => {
        // A slow peripheral system: answers after 5 s (longer than any caller's remaining time below).
        if (req.url.startsWith('/slow')) return void setTimeout(() => json(res, 200, { late: true }), 5_000).unref();
        json(res, 200, { ok: true });
      });
      s = await startTestServer(dialect, { maxNestingDepth: MAX_DEPTH, maxEventDepth: MAX_EVENT_DEPTH });
      await s.api('PUT', '/api/executors/target', { name: 'target', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/target` } });
      await s.api('PUT', '/api/executors/slow', { name: 'slow', type: 'apiCall', timeoutMs: 60_000, apiCall: { method: 'POST', url: `${up.url}/slow` } });
      await s.api('PUT', '/api/executors/hooked', { name: 'hooked', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/hooked` } });
      expect((await s.api('POST', '/api/webhooks', { name: 'wh', executor: 'target' })).status).toBe(201);
      expect((await s.api('POST', '/api/event-hooks', { name: 'on_x', eventTypes: ['custom.x', 'TicketCreated'], executor: 'hooked', retry: { attempts: 1 } })).status).toBe(201);
    });
    afterAll(async () => {
      await s.close();
      await up.close();
    });

    it('an invoke and a webhook call from inside an execution are its children in its tree', async () => {
      const exe = await fakeRunningExecution(s, { rootId: 'exe_the_root', depth: 1, callPath: ['outer', 'caller'] });
      try {
        const inv = await s.api('POST', '/api/executors/target/invoke', { input: {} }, exe.token);
        expect(inv.body.status).toBe('ok');
        const wh = await s.api('POST', '/api/webhooks/wh/call', { input: {} }, exe.token);
        expect(wh.status).toBe(200);
        for (const id of [inv.body.executionId, wh.body.executionId]) {
          expect((await s.api('GET', `/api/executions/${id}`)).body).toMatchObject({ parentId: exe.call.executionId, rootId: 'exe_the_root', status: 'ok' });
        }
        // The same calls with a person's token are top-level runs.
        const top = await s.api('POST', '/api/executors/target/invoke', { input: {} });
        expect((await s.api('GET', `/api/executions/${top.body.executionId}`)).body).toMatchObject({ parentId: null, rootId: top.body.executionId });
      } finally {
        exe.end();
      }
    });

    it(`refuses an invocation deeper than ${MAX_DEPTH}: recorded as LIMIT_EXCEEDED, nothing sent`, async () => {
      const sent = up.requests.length;
      const ok = await fakeRunningExecution(s, { depth: MAX_DEPTH - 1 });
      const deep = await fakeRunningExecution(s, { depth: MAX_DEPTH });
      try {
        expect((await s.api('POST', '/api/executors/target/invoke', { input: {} }, ok.token)).body.status).toBe('ok');
        const r = await s.api('POST', '/api/executors/target/invoke', { input: {} }, deep.token);
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ status: 'error', error: { code: 'LIMIT_EXCEEDED', message: expect.stringContaining(`at most ${MAX_DEPTH} deep`), details: { depth: MAX_DEPTH + 1 } } });
        expect((await s.api('GET', `/api/executions/${r.body.executionId}`)).body).toMatchObject({ parentId: deep.call.executionId, status: 'error' });
        const wh = await s.api('POST', '/api/webhooks/wh/call', { input: {} }, deep.token);
        expect(wh.body.code).toBe('LIMIT_EXCEEDED');
        // The depth-2 call reached the upstream, the two refused ones did not.
        expect(up.requests.length).toBe(sent + 1);
        // Calling itself again through the API is a cycle, refused like a UDF cycle.
        const self = await fakeRunningExecution(s, { callPath: ['target'] });
        try {
          expect((await s.api('POST', '/api/executors/target/invoke', { input: {} }, self.token)).body.error).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining('cycle') });
        } finally {
          self.end();
        }
      } finally {
        ok.end();
        deep.end();
      }
      await expectHealthy(s);
    });

    it('a nested invocation ends at its caller’s deadline, not its own', async () => {
      const exe = await fakeRunningExecution(s, { deadline: Date.now() + 400 });
      try {
        const r = await s.api('POST', '/api/executors/slow/invoke', { input: {} }, exe.token);
        // `slow` may run 60 s and its upstream answers after 5 s (an ok result on its own): the caller's 400 ms decided.
        expect(r.body).toMatchObject({ status: 'error', error: { code: 'TIMEOUT' } });
      } finally {
        exe.end();
      }
      await expectHealthy(s);
    });

    it('work a request of an ended execution still starts stays its child, past its deadline', async () => {
      const exe = await fakeRunningExecution(s, { deadline: Date.now() - 1, depth: 1 });
      exe.end();
      const sent = up.requests.length;
      // As when a slow request (an LLM round, a slow recognition source) goes on after its execution ended.
      const r = await runAsPartOf(exe.call, () => s.o.invoker.invoke({ workspaceId: s.o.defaultWorkspaceId, executorName: 'target', input: {}, trigger: 'api' }));
      expect(r).toMatchObject({ status: 'error', error: { code: 'TIMEOUT' } });
      expect((await s.api('GET', `/api/executions/${r.executionId}`)).body).toMatchObject({ parentId: exe.call.executionId });
      expect(up.requests.length).toBe(sent);
      // And its token no longer opens a request.
      expect((await s.api('GET', '/api/executors', undefined, exe.token)).status).toBe(401);
    });

    it('events written by an execution are one causation step deeper, host events included', async () => {
      const exe = await fakeRunningExecution(s, { causationDepth: 1 });
      try {
        const ev = await s.api('POST', '/api/events', { type: 'custom.x', data: { n: 1 } }, exe.token);
        expect(ev.status).toBe(201);
        const ticket = await s.api('POST', '/api/tickets', { subject: 'made by code', channel: 'email' }, exe.token);
        expect(ticket.status).toBe(201);
        const trace = await waitFor(async () => {
          const t = await s.api('GET', `/api/events/${ev.body.id}`);
          return t.body.deliveries[0]?.status === 'succeeded' ? t.body : null;
        }, 'the depth-2 delivery');
        expect(trace.causationDepth).toBe(2);
        const created = (await s.api('GET', '/api/events?type=TicketCreated')).body.items[0];
        expect((await s.api('GET', `/api/events/${created.id}`)).body.causationDepth).toBe(2);
        // A person's event starts at 0.
        const outside = await s.api('POST', '/api/events', { type: 'custom.x', data: {} });
        expect((await s.api('GET', `/api/events/${outside.body.id}`)).body.causationDepth).toBe(0);
      } finally {
        exe.end();
      }
    });

    it(`does not run deliveries of an event ${MAX_EVENT_DEPTH} steps deep: a dead delivery with a clear trace entry`, async () => {
      const exe = await fakeRunningExecution(s, { causationDepth: MAX_EVENT_DEPTH - 1 });
      let evId: string;
      try {
        const ev = await s.api('POST', '/api/events', { type: 'custom.x', data: { loop: true } }, exe.token);
        evId = ev.body.id;
      } finally {
        exe.end();
      }
      const trace = await waitFor(async () => {
        const t = await s.api('GET', `/api/events/${evId}`);
        return t.body.deliveries[0]?.status === 'dead' ? t.body : null;
      }, 'the refused delivery');
      expect(trace.causationDepth).toBe(MAX_EVENT_DEPTH);
      const d = trace.deliveries[0];
      expect(d.lastError).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/not run: this event is 4 causation steps deep.*limit is 4/), details: { causationDepth: 4, limit: 4 } });
      expect(d.attempts).toHaveLength(1);
      expect(d.attempts[0]).toMatchObject({ status: 'error', executionId: null, error: { code: 'LIMIT_EXCEEDED' } });
      const ranFor = () => up.requests.filter((r) => r.url === '/hooked' && (JSON.parse(r.body) as { id: string }).id === evId).length;
      expect(ranFor()).toBe(0);
      // A replay does not get around the limit.
      const rep = await s.api('POST', `/api/events/${evId}/replay`, {});
      expect(rep.body.replayed, rep.raw).toHaveLength(1);
      await waitFor(async () => {
        const t = await s.api('GET', `/api/events/${evId}`);
        return t.body.deliveries[0].status === 'dead' && t.body.deliveries[0].attempts.length === 2;
      }, 'the replayed, again refused delivery');
      expect(ranFor()).toBe(0);
      await expectHealthy(s);
    });
  });
}
