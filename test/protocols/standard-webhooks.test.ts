// Standard Webhooks conformance, checked with the official `standardwebhooks` verifier against a real local receiver:
// one delivery keeps its webhook-id across retries and replays, and inputs that would travel unsigned are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { Webhook } from 'standardwebhooks';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Recorded, type Upstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';
import { runApiCall } from '../../src/executors/api-call/index.js';
import type { ExecutorDefinition } from '../../src/executors/definition.js';
import type { RunContext } from '../../src/executors/run-context.js';

const SIGNING_KEY = 'whsec_' + Buffer.from('standard-webhooks-test-key-32byt').toString('base64');

/** Verifies a recorded request the way a receiver would, with the official library; throws when it does not verify. */
function verify(rec: Recorded): unknown {
  return new Webhook(SIGNING_KEY).verify(rec.body, {
    'webhook-id': String(rec.headers['webhook-id']),
    'webhook-timestamp': String(rec.headers['webhook-timestamp']),
    'webhook-signature': String(rec.headers['webhook-signature']),
  });
}

for (const dialect of DIALECTS) {
  describe(`Standard Webhooks on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;
    // The receiver fails the first two attempts of every message id it sees (its idempotency key), then accepts.
    const seen = new Map<string, number>();
    let alwaysFail = false;

    beforeAll(async () => {
      up = await startUpstream((req, res) => {
        const id = String(req.headers['webhook-id'] ?? '');
        const n = (seen.get(id) ?? 0) + 1;
        seen.set(id, n);
        if (alwaysFail || n <= 2) return json(res, 503, { error: `attempt ${n} refused` });
        json(res, 200, { accepted: id });
      });
      s = await startTestServer(dialect);
      expect((await s.api('PUT', '/api/secrets/HOOK_KEY', { value: SIGNING_KEY })).status).toBe(201);
      const ex = await s.api('POST', '/api/executors', { name: 'signed_recv', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/hook`, signingSecret: 'HOOK_KEY' } });
      expect(ex.status).toBe(201);
    });
    afterAll(async () => {
      await s.close();
      await up.close();
    });

    it('keeps the webhook-id of one delivery across its retries; every attempt verifies with the official library', async () => {
      const h = await s.api('POST', '/api/event-hooks', { name: 'signed_hook', eventTypes: ['custom.signed'], executor: 'signed_recv', retry: { attempts: 5, schedule: [10, 20] } });
      expect(h.status).toBe(201);
      const ev = await s.api('POST', '/api/events', { type: 'custom.signed', data: { order: 42 } });
      expect(ev.status).toBe(201);
      const delivery = await waitFor(async () => {
        const t = await s.api('GET', `/api/events/${ev.body.id}`);
        return t.body.deliveries[0]?.status === 'succeeded' ? t.body.deliveries[0] : undefined;
      }, 'the delivery to succeed on its third attempt');
      expect(delivery.attempts.map((a: any) => a.status)).toEqual(['error', 'error', 'ok']);

      const attempts = up.requests.filter((r) => r.body.includes(ev.body.id));
      expect(attempts).toHaveLength(3);
      // The delivery id is the idempotency key, and Standard Webhooks' webhook-id carries it.
      expect(attempts.map((r) => r.headers['webhook-id'])).toEqual([delivery.id, delivery.id, delivery.id]);
      for (const [i, rec] of attempts.entries()) {
        const payload = verify(rec) as { id: string; _delivery: { id: string; attempt: number } };
        expect(payload.id).toBe(ev.body.id);
        expect(payload._delivery).toMatchObject({ id: delivery.id, attempt: i + 1 });
      }
      // Each attempt is its own execution (its own X-Outrigger-Execution-Id) under the one webhook-id.
      expect(new Set(attempts.map((r) => r.headers['x-outrigger-execution-id'])).size).toBe(3);
      expect(attempts.map((r) => r.headers['x-outrigger-execution-id'])).toEqual(delivery.attempts.map((a: any) => a.executionId));
      // A tampered body under the same headers is refused by the verifier (the check above can fail).
      expect(() => verify({ ...attempts[2]!, body: attempts[2]!.body.replace('42', '43') })).toThrow();
    });

    it('keeps the webhook-id when a dead delivery is replayed', async () => {
      alwaysFail = true;
      try {
        await s.api('POST', '/api/event-hooks', { name: 'signed_dead', eventTypes: ['custom.dead'], executor: 'signed_recv', retry: { attempts: 2, schedule: [10] } });
        const ev = await s.api('POST', '/api/events', { type: 'custom.dead', data: { n: 1 } });
        const dead = await waitFor(async () => {
          const t = await s.api('GET', `/api/events/${ev.body.id}`);
          return t.body.deliveries[0]?.status === 'dead' ? t.body.deliveries[0] : undefined;
        }, 'dead letter');
        alwaysFail = false;
        expect((await s.api('POST', `/api/events/${ev.body.id}/replay`, {})).status).toBe(200);
        await waitFor(async () => (await s.api('GET', `/api/events/${ev.body.id}`)).body.deliveries[0]?.status === 'succeeded', 'replayed delivery');
        const attempts = up.requests.filter((r) => r.body.includes(ev.body.id));
        expect(attempts.length).toBeGreaterThanOrEqual(3);
        expect(new Set(attempts.map((r) => r.headers['webhook-id']))).toEqual(new Set([dead.id]));
        for (const rec of attempts) expect(verify(rec)).toMatchObject({ id: ev.body.id });
      } finally {
        alwaysFail = false;
      }
    });

    it('keeps the webhook-id of a reply sent through a webhook when the failed reply is sent again', async () => {
      expect((await s.api('POST', '/api/webhooks', { name: 'signed_mail', executor: 'signed_recv' })).status).toBe(201);
      const ticket = await s.api('POST', '/api/tickets', { subject: 'Invoice', body: 'wrong', channel: 'email', from: 'ann@example.com' });
      expect(ticket.status).toBe(201);
      // The receiver refuses the first two attempts of each id: the reply fails, fails again on retry, then is sent.
      const first = await s.api('POST', `/api/tickets/${ticket.body.id}/replies`, { body: 'Corrected.', viaWebhook: 'signed_mail' });
      expect(first.status).toBe(502);
      const replyId = first.body.replyId;
      expect((await s.api('POST', `/api/tickets/${ticket.body.id}/replies/${replyId}/retry`, {})).status).toBe(502);
      const sent = await s.api('POST', `/api/tickets/${ticket.body.id}/replies/${replyId}/retry`, {});
      expect(sent.status, sent.raw).toBe(200);
      expect(sent.body.status).toBe('sent');
      const attempts = up.requests.filter((r) => r.body.includes(replyId));
      expect(attempts).toHaveLength(3);
      expect(attempts.map((r) => r.headers['webhook-id'])).toEqual([replyId, replyId, replyId]);
      for (const rec of attempts) expect(verify(rec)).toMatchObject({ reply: { id: replyId, body: 'Corrected.' } });
    });

    it('uses the execution id as webhook-id for a direct invocation', async () => {
      seen.clear();
      const before = up.requests.length;
      const r = await s.api('POST', '/api/executors/signed_recv/invoke', { input: { direct: true } });
      expect(r.status).toBe(200);
      const rec = up.requests[before]!;
      expect(rec.headers['webhook-id']).toBe(r.body.executionId);
      expect(verify(rec)).toEqual({ direct: true });
    });

    it('refuses signingSecret with GET or DELETE on save, naming the field; POST, PUT and PATCH are accepted', async () => {
      for (const method of ['GET', 'DELETE']) {
        const body = { name: `signed_${method.toLowerCase()}`, type: 'apiCall', apiCall: { method, url: `${up.url}/q`, signingSecret: 'HOOK_KEY' } };
        const created = await s.api('POST', '/api/executors', body);
        expect(created.status).toBe(400);
        expect(created.headers['content-type']).toContain('application/problem+json');
        expect(created.body.code).toBe('VALIDATION_FAILED');
        expect(created.body.errors).toEqual([{ field: '/apiCall/signingSecret', message: expect.stringContaining(`cannot be used with method ${method}`) }]);
        expect(created.body.detail).toContain('query string');
        // Replacing an existing executor and testing a draft are held to the same rule.
        expect((await s.api('PUT', '/api/executors/signed_recv', { ...body, name: 'signed_recv' })).status).toBe(400);
        const { name: _n, ...draftBody } = body;
        const draft = await s.api('POST', '/api/executors/signed_recv/test', { draft: draftBody, input: {} });
        expect(draft.status).toBe(400);
        expect(draft.body.errors?.[0]?.field).toBe('/apiCall/signingSecret');
      }
      for (const method of ['POST', 'PUT', 'PATCH']) {
        const r = await s.api('POST', '/api/executors', { name: `signed_ok_${method.toLowerCase()}`, type: 'apiCall', apiCall: { method, url: `${up.url}/q`, signingSecret: 'HOOK_KEY' } });
        expect(r.status).toBe(201);
      }
      // Unsigned GET stays fine, and the executor refused above still runs as it was.
      expect((await s.api('POST', '/api/executors', { name: 'plain_get', type: 'apiCall', apiCall: { method: 'GET', url: `${up.url}/q` } })).status).toBe(201);
      expect((await s.api('GET', '/api/executors/signed_recv')).body.definition.apiCall).toMatchObject({ method: 'POST', signingSecret: 'HOOK_KEY' });
    });
  });
}

describe('a signed GET stored before the rule', () => {
  it('fails before anything is sent instead of sending an unauthenticated query string', async () => {
    const up = await startUpstream((_req, res) => json(res, 200, {}));
    const dispatcher = new Agent();
    try {
      const def: ExecutorDefinition = {
        name: 'legacy', description: '', type: 'apiCall', inputSchema: null, outputSchema: null, timeoutMs: 5000,
        apiCall: { method: 'GET', url: `${up.url}/legacy`, headers: {}, signingSecret: 'KEY' },
      };
      const ctx = {
        executionId: 'exe_legacy', idempotencyKey: 'exe_legacy', deadline: Date.now() + 5000, log: () => undefined,
        revealSecrets: async () => new Map([['KEY', SIGNING_KEY]]),
      } as unknown as RunContext;
      await expect(runApiCall(def, { q: 'x' }, ctx, { dispatcher, policy: { allows: () => true } as never, userAgent: 'test' }))
        .rejects.toMatchObject({ code: 'RUNTIME_ERROR', message: expect.stringContaining('cannot sign a GET request') });
      expect(up.requests).toHaveLength(0);
    } finally {
      await dispatcher.close();
      await up.close();
    }
  });
});
