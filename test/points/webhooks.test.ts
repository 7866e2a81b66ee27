// Webhooks: bindings CRUD, calls that wait for the executor, errors surfaced as problem+json with code and
// executionId (upstream 500 → 502, time-out → 504), and replies bound to a webhook (sent only on success).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { eventCount, eventsSince } from '../host/events-helper.js';

for (const dialect of DIALECTS) {
  describe(`webhooks on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;
    let mailDown = false;
    beforeAll(async () => {
      up = await startUpstream((req, res) => {
        if (req.url.startsWith('/slow')) return; // never answers: the executor's time-out decides
        if (req.url.startsWith('/mail') && mailDown) return json(res, 500, { error: 'mail server down' });
        json(res, 200, { sent: true, echo: req.body ? JSON.parse(req.body) : null });
      });
      s = await startTestServer(dialect);
      const mk = (name: string, path: string, extra: Record<string, unknown> = {}) =>
        s.api('POST', '/api/executors', { name, type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}${path}` }, ...extra });
      expect((await mk('send_mail', '/mail')).status).toBe(201);
      expect((await mk('slow_erp', '/slow', { timeoutMs: 300 })).status).toBe(201);
      expect((await mk('strict', '/mail', { inputSchema: { type: 'object', properties: { zip: { type: 'string' } }, required: ['zip'] } })).status).toBe(201);
    });
    afterAll(async () => {
      await s.close();
      await up.close();
    });

    it('binding CRUD: create, list, get, replace, delete; the executor must exist', async () => {
      const c = await s.api('POST', '/api/webhooks', { name: 'mail', executor: 'send_mail', description: 'sends e-mail' });
      expect(c.status).toBe(201);
      expect(c.headers.location).toBe('/api/webhooks/mail');
      expect(c.body).toMatchObject({ name: 'mail', executor: 'send_mail', description: 'sends e-mail' });
      expect((await s.api('POST', '/api/webhooks', { name: 'mail', executor: 'send_mail' })).status).toBe(409);
      const bad = await s.api('POST', '/api/webhooks', { name: 'x', executor: 'ghost' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ field: '/executor', message: expect.stringContaining('ghost') }]);
      expect((await s.api('GET', '/api/webhooks')).body.items.map((w: any) => w.name)).toContain('mail');
      expect((await s.api('PUT', '/api/webhooks/tmp', { executor: 'send_mail' })).status).toBe(201);
      const rep = await s.api('PUT', '/api/webhooks/tmp', { executor: 'slow_erp', description: 'now slow' });
      expect(rep.status).toBe(200);
      expect(rep.body).toMatchObject({ executor: 'slow_erp', description: 'now slow' });
      expect((await s.api('PUT', '/api/webhooks/tmp', { name: 'other', executor: 'slow_erp' })).status).toBe(400);
      expect((await s.api('DELETE', '/api/webhooks/tmp')).status).toBe(204);
      expect((await s.api('GET', '/api/webhooks/tmp')).status).toBe(404);
      expect((await s.api('DELETE', '/api/webhooks/tmp')).status).toBe(404);
    });

    it('deleting a bound executor is refused naming the webhook', async () => {
      const r = await s.api('DELETE', '/api/executors/send_mail');
      expect(r.status).toBe(409);
      expect(r.body.bindings).toContain('webhook mail');
    });

    it('a call waits for the executor and returns its output', async () => {
      const r = await s.api('POST', '/api/webhooks/mail/call', { input: { to: 'ann@example.com' } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ executionId: expect.stringMatching(/^exe_/), output: { sent: true, echo: { to: 'ann@example.com' } } });
      const exe = await s.api('GET', `/api/executions/${r.body.executionId}`);
      expect(exe.body).toMatchObject({ trigger: 'webhook', triggerRef: 'mail', status: 'ok' });
    });

    it('an upstream 500 reaches the caller as a 502 problem with code, message and executionId', async () => {
      mailDown = true;
      try {
        const r = await s.api('POST', '/api/webhooks/mail/call', { input: {} });
        expect(r.status).toBe(502);
        expect(r.headers['content-type']).toContain('application/problem+json');
        expect(r.body).toMatchObject({ code: 'UPSTREAM_ERROR', status: 502, detail: expect.stringContaining('500'), executionId: expect.stringMatching(/^exe_/), webhook: 'mail' });
        const exe = await s.api('GET', `/api/executions/${r.body.executionId}`);
        expect(exe.body.error.code).toBe('UPSTREAM_ERROR');
      } finally {
        mailDown = false;
      }
    });

    it('a time-out is a 504 problem', async () => {
      expect((await s.api('POST', '/api/webhooks', { name: 'erp', executor: 'slow_erp' })).status).toBe(201);
      const r = await s.api('POST', '/api/webhooks/erp/call', { input: {} });
      expect(r.status).toBe(504);
      expect(r.body).toMatchObject({ code: 'TIMEOUT', executionId: expect.any(String), detail: expect.any(String) });
    });

    it('input the executor refuses is a 400 problem with input field errors', async () => {
      expect((await s.api('POST', '/api/webhooks', { name: 'strict', executor: 'strict' })).status).toBe(201);
      const r = await s.api('POST', '/api/webhooks/strict/call', { input: { zip: 12 } });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('INPUT_INVALID');
      expect(r.body.errors[0].field).toBe('/input/zip');
      expect(r.body.executionId).toEqual(expect.any(String));
    });

    it('bad requests are 400/404, never 500', async () => {
      expect((await s.api('POST', '/api/webhooks/nope/call', { input: {} })).status).toBe(404);
      expect((await s.api('POST', '/api/webhooks/mail/call', { input: [] })).status).toBe(400);
      expect((await s.api('POST', '/api/webhooks/mail/call', { input: {}, extra: 1 })).status).toBe(400);
      expect((await s.api('POST', '/api/webhooks', { name: 'Bad Name', executor: 'send_mail' })).status).toBe(400);
      expect((await s.api('POST', '/api/webhooks', { name: 'ok', executor: 'send_mail', hook: true })).status).toBe(400);
      expect((await s.api('GET', '/api/webhooks/BAD!')).status).toBe(400);
    });

    describe('replies bound to a webhook', () => {
      let ticketId: string;
      beforeAll(async () => {
        ticketId = (await s.api('POST', '/api/tickets', { subject: 'Invoice', body: 'wrong amount', channel: 'email', from: 'ann@example.com' })).body.id;
        expect((await s.api('PUT', '/api/settings/tickets', { replyWebhookByChannel: { email: 'mail' } })).status).toBe(200);
      });

      it('is sent only when the webhook succeeded; the webhook gets reply and ticket', async () => {
        const n = up.requests.length;
        const before = await eventCount(s);
        const r = await s.api('POST', `/api/tickets/${ticketId}/replies`, { body: 'We corrected it.' });
        expect(r.status).toBe(201);
        expect(r.body).toMatchObject({ status: 'sent', webhook: 'mail', executionId: expect.any(String), sentAt: expect.any(String) });
        const sent = JSON.parse(up.requests[n]!.body);
        expect(sent).toMatchObject({ reply: { id: r.body.id, body: 'We corrected it.', to: 'ann@example.com', subject: 'Re: Invoice', channel: 'email' }, ticket: { id: ticketId, subject: 'Invoice' } });
        const evs = await eventsSince(s, before);
        expect(evs.map((e) => e.type)).toEqual(['TicketResponse', 'SendEmail']);
        expect(evs[1]!.data).toMatchObject({ deliveredBy: 'webhook:mail', replyId: r.body.id });
        const exe = await s.api('GET', `/api/executions/${r.body.executionId}`);
        expect(exe.body).toMatchObject({ trigger: 'webhook', triggerRef: `reply:${r.body.id}` });
      });

      it('stays failed and returns the webhook error to the sender, emitting nothing', async () => {
        mailDown = true;
        const before = await eventCount(s);
        try {
          const r = await s.api('POST', `/api/tickets/${ticketId}/replies`, { body: 'Second try' });
          expect(r.status).toBe(502);
          expect(r.headers['content-type']).toContain('application/problem+json');
          expect(r.body).toMatchObject({ code: 'UPSTREAM_ERROR', executionId: expect.any(String), replyId: expect.any(String), replyStatus: 'failed', webhook: 'mail' });
          const replies = (await s.api('GET', `/api/tickets/${ticketId}`)).body.replies;
          const failed = replies.find((x: any) => x.id === r.body.replyId);
          expect(failed).toMatchObject({ status: 'failed', sentAt: null, executionId: r.body.executionId, error: { code: 'UPSTREAM_ERROR' } });
          expect(await eventCount(s)).toBe(before);
        } finally {
          mailDown = false;
        }
      });

      it('a failed reply can be sent again; only then the events are written', async () => {
        mailDown = true;
        let replyId: string;
        try {
          const r = await s.api('POST', `/api/tickets/${ticketId}/replies`, { body: 'Third try' });
          expect(r.status).toBe(502);
          replyId = r.body.replyId;
          const again = await s.api('POST', `/api/tickets/${ticketId}/replies/${replyId}/retry`, {});
          expect(again.status).toBe(502);
          expect(again.body.replyStatus).toBe('failed');
        } finally {
          mailDown = false;
        }
        const before = await eventCount(s);
        const ok = await s.api('POST', `/api/tickets/${ticketId}/replies/${replyId}/retry`, { status: 'pending' });
        expect(ok.status).toBe(200);
        expect(ok.body).toMatchObject({ id: replyId, status: 'sent', error: null, ticket: { status: 'pending' } });
        expect((await eventsSince(s, before)).map((e) => e.type)).toEqual(['TicketUpdated', 'TicketResponse', 'SendEmail']);
        // A sent reply is not sent twice.
        expect((await s.api('POST', `/api/tickets/${ticketId}/replies/${replyId}/retry`, {})).status).toBe(409);
        expect((await s.api('POST', `/api/tickets/${ticketId}/replies/rpl_nope/retry`, {})).status).toBe(404);
      });

      it('viaWebhook overrides the settings (null sends without one)', async () => {
        const r = await s.api('POST', `/api/tickets/${ticketId}/replies`, { body: 'direct', viaWebhook: null });
        expect(r.status).toBe(201);
        expect(r.body).toMatchObject({ status: 'sent', webhook: null });
        const t = await s.api('POST', '/api/tickets', { subject: 'chat', channel: 'chat' });
        const slow = await s.api('POST', `/api/tickets/${t.body.id}/replies`, { body: 'hello', viaWebhook: 'erp' });
        expect(slow.status).toBe(504);
        expect(slow.body.code).toBe('TIMEOUT');
      });

      it('a webhook named by the ticket settings cannot be deleted', async () => {
        const r = await s.api('DELETE', '/api/webhooks/mail');
        expect(r.status).toBe(409);
        expect(r.body.references).toEqual(['ticket settings replyWebhookByChannel.email']);
      });
    });
  });
}
