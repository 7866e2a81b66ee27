// Bad input everywhere in the host model and the binding points is a 4xx problem+json, never a 5xx: a seeded,
// deterministic fuzz over bodies, path ids and query strings on both dialects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const WEIRD: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e30, -1e30, '', '\u0000', 'a\u0000b', 'x'.repeat(5000), '💥', '%', '%_"\\', "'; drop table tickets; --",
  [], [1, 'a'], [null], {}, { a: { b: [] } }, { __proto__: { x: 1 } }, 'closed', 'email', '2025-13-40T99:00:00Z',
];

/** A small seeded generator (mulberry32), so that a failure can be reproduced. */
function rng(seed: number) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

for (const dialect of DIALECTS) {
  describe(`fuzzing the host model on ${dialect}`, () => {
    let s: TestServer;
    let ids: { ticket: string; profile: string; conversation: string };
    beforeAll(async () => {
      s = await startTestServer(dialect);
      const t = await s.api('POST', '/api/tickets', { subject: 's', channel: 'email' });
      const p = await s.api('POST', '/api/profiles', { customerNumber: 'C1', name: 'n' });
      const c = await s.api('POST', '/api/conversations', { channel: 'chat' });
      ids = { ticket: t.body.id, profile: p.body.id, conversation: c.body.id };
    });
    afterAll(async () => { await s.close(); });

    it('answers every malformed request with a 4xx problem', async () => {
      const rand = rng(dialect === 'sqlite' ? 1 : 2);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const valid: Array<[string, string, Record<string, unknown>]> = [
        ['POST', '/api/tickets', { subject: 's', channel: 'email', tags: ['a'], customer: { customerNumber: 'C' }, queue: 'q' }],
        ['PATCH', `/api/tickets/${ids.ticket}`, { status: 'open', tags: ['b'], customer: null, assignee: 'x' }],
        ['POST', `/api/tickets/${ids.ticket}/replies`, { body: 'hi', to: 'a@b.c', viaWebhook: null }],
        ['POST', `/api/tickets/${ids.ticket}/forward`, { to: 'x@y.z', note: 'n' }],
        ['POST', '/api/profiles', { customerNumber: 'C2', name: 'n', address: { city: 'B' }, attributes: { a: 1 } }],
        ['PATCH', `/api/profiles/${ids.profile}`, { name: 'm', email: null }],
        ['POST', '/api/conversations', { channel: 'chat', ticketId: ids.ticket, messages: [{ from: 'customer', text: 't' }] }],
        ['PUT', '/api/settings/tickets', { replyWebhook: null, inactivityCloseHours: 5 }],
        ['POST', '/api/webhooks', { name: 'w', executor: 'e', description: 'd' }],
        ['PUT', '/api/udfs/u', { executor: 'e' }],
        ['POST', '/api/udfs/none/call', { input: {} }],
        ['POST', '/api/webhooks/none/call', { input: {} }],
      ];
      const failures: string[] = [];
      const check = async (method: string, url: string, body?: unknown) => {
        const r = await s.api(method, url, body);
        if (r.status >= 500 || (r.status >= 400 && !String(r.headers['content-type']).includes('application/problem+json'))) {
          failures.push(`${method} ${url} ${JSON.stringify(body)?.slice(0, 200)} -> ${r.status} ${r.raw.slice(0, 200)}`);
        }
      };
      for (let i = 0; i < 300; i++) {
        const [method, url, base] = pick(valid);
        const body: Record<string, unknown> = { ...base };
        const keys = Object.keys(body);
        switch (Math.floor(rand() * 4)) {
          case 0: body[pick(keys)] = pick(WEIRD); break;
          case 1: body[`x${Math.floor(rand() * 10)}`] = pick(WEIRD); break;
          case 2: delete body[pick(keys)]; body[pick(keys)] = pick(WEIRD); break;
          default: await check(method, url, pick(WEIRD) ?? 'null'); continue;
        }
        await check(method, url, body);
      }
      const badIds = ['%00', 'a%00b', 'x'.repeat(300), '..%2F..%2Fetc', '%F0%9F%92%A5', "'", 'tkt_missing'];
      for (const id of badIds) {
        for (const path of [`/api/tickets/${id}`, `/api/profiles/${id}`, `/api/conversations/${id}`, `/api/webhooks/${id}`, `/api/udfs/${id}`, `/api/executions/${id}`]) await check('GET', path);
        await check('PATCH', `/api/tickets/${id}`, { status: 'open' });
        await check('POST', `/api/tickets/${id}/replies`, { body: 'x' });
        await check('DELETE', `/api/profiles/${id}`);
      }
      const qv = ['%00', '-1', '1e30', '99999999999999999999999', 'abc', '', '%25', '%22', '_'];
      for (const q of ['status', 'channel', 'tag', 'customerNumber', 'queue', 'limit', 'cursor', 'executor', 'nope']) {
        for (const v of qv) {
          await check('GET', `/api/tickets?${q}=${v}`);
          await check('GET', `/api/profiles?${q === 'tag' ? 'email' : q}=${v}`);
          await check('GET', `/api/conversations?${q === 'tag' ? 'ticketId' : q}=${v}`);
          await check('GET', `/api/executions?${q === 'tag' ? 'rootId' : q}=${v}`);
        }
      }
      expect(failures).toEqual([]);
    });
  });
}
