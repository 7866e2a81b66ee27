// JSON Logic bombs in hook filters and agent rules: refused on save, or stopped by the operation budget at run time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { nestedMaps, underBomb } from './helpers.js';

const UNREACHABLE = 'http://127.0.0.1:9/never';
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** Free on the empty sample used at save time, ~3,600 operations per item (360,000 on 100 items): only the run-time budget can stop it. */
const lateBomb = { filter: [{ var: 'data.items' }, { filter: [range(30), { filter: [range(30), { '==': [1, 1] }] }] }] };
const hook = (name: string, filter: unknown) => ({ name, eventTypes: ['custom.bomb'], filter, executor: 'sink' });
const agent = (name: string, intent: string, when: unknown) => ({ name, intent, dataSchema: { type: 'object' }, executor: 'sink', rules: [{ name: 'r', when, then: 'reject', message: 'no' }] });

for (const dialect of DIALECTS) {
  describe(`JSON Logic bounds on ${dialect}`, () => {
    let s: TestServer;

    beforeAll(async () => {
      s = await startTestServer(dialect);
      expect((await s.api('POST', '/api/executors', { name: 'sink', type: 'apiCall', apiCall: { method: 'POST', url: UNREACHABLE } })).status).toBe(201);
      expect((await s.api('POST', '/api/event-hooks', hook('keep', { '==': [{ var: 'data.ok' }, true] }))).status).toBe(201);
      expect((await s.api('POST', '/api/agents', agent('keep_agent', 'keep', { '<': [{ var: 'data.n' }, 0] }))).status).toBe(201);
    });
    afterAll(async () => { await s.close(); });

    async function expectIntact(): Promise<void> {
      const h = await s.api('GET', '/api/event-hooks/keep');
      expect(h.body.filter).toEqual({ '==': [{ var: 'data.ok' }, true] });
      const r = await s.api('POST', '/api/agents/keep_agent/run', { data: { n: -1 } });
      expect(r.body).toMatchObject({ status: 'rejected', rule: 'r', message: 'no' });
    }

    it('refuses the 257-byte nested-map filter on save, quickly, naming /filter', async () => {
      const bomb = nestedMaps(8);
      expect(JSON.stringify(bomb).length).toBeLessThan(300);
      const { result: r } = await underBomb(s, `logic nested maps (hook filter save) on ${dialect}`, () => s.api('POST', '/api/event-hooks', hook('bomb', bomb)));
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
      expect(r.body.errors).toEqual([{ field: '/filter', message: expect.stringMatching(/exceeds a limit: the evaluation needs more than 10000 operations/) }]);
      expect((await s.api('GET', '/api/event-hooks/bomb')).status).toBe(404);
      await expectIntact();
    });

    it('refuses the same rule in an agent, and string doubling through reduce/cat', async () => {
      const { result: r } = await underBomb(s, `logic nested maps (agent rule save) on ${dialect}`, () => s.api('POST', '/api/agents', agent('bomb_agent', 'bomb', nestedMaps(8))));
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([{ field: '/rules/0/when', message: expect.stringMatching(/operations/) }]);
      const doubling = { reduce: [range(40), { cat: [{ var: 'accumulator' }, { var: 'accumulator' }] }, 'xx'] };
      const { result: d } = await underBomb(s, `logic reduce/cat doubling (hook filter save) on ${dialect}`, () => s.api('POST', '/api/event-hooks', hook('doubling', doubling)));
      expect(d.status).toBe(400);
      expect(d.body.errors[0]).toMatchObject({ field: '/filter', message: expect.stringMatching(/cat would produce \d+ items or characters \(at most 100000\)/) });
      let deep: unknown = true;
      for (let i = 0; i < 40; i++) deep = { '!': deep };
      const nested = await s.api('POST', '/api/event-hooks', hook('deep', deep));
      expect(nested.status).toBe(400);
      expect(nested.body.errors[0].message).toMatch(/nested deeper than 32 levels/);
      await expectIntact();
    });

    it('stops a filter that only explodes on real event data: the publish answers, the delivery is dead with the reason', async () => {
      expect((await s.api('POST', '/api/event-hooks', hook('late', lateBomb))).status).toBe(201);
      const { result: e } = await underBomb(s, `logic filter budget at publish on ${dialect}`, () => s.api('POST', '/api/events', { type: 'custom.bomb', data: { items: range(100), ok: true } }));
      expect(e.status).toBe(201);
      const trace = await s.api('GET', `/api/events/${e.body.id}`);
      const late = trace.body.deliveries.find((d: any) => d.hook === 'late' || d.hookName === 'late');
      expect(late.status).toBe('dead');
      expect(JSON.stringify(late)).toMatch(/FILTER_FAILED.*more than 10000 operations/);
      // The well-behaved hook on the same event was not affected.
      const keep = trace.body.deliveries.find((d: any) => d.hook === 'keep' || d.hookName === 'keep');
      expect(keep).toBeDefined();
      expect(keep.status).not.toBe('dead');
      await expectIntact();
    });

    it('bounds a batch of 1,000 events as a whole: the filters of one publish share a budget', async () => {
      const events = Array.from({ length: 1000 }, () => ({ type: 'custom.bomb', data: { items: range(100) } }));
      const { result: r } = await underBomb(s, `logic filter budget, batch of 1000 events on ${dialect}`, () => s.api('POST', '/api/events/batch', { events }));
      expect(r.status).toBe(201);
      const first = await s.api('GET', `/api/events/${r.body.items[0].id}`);
      expect(JSON.stringify(first.body.deliveries.find((d: any) => (d.hook ?? d.hookName) === 'late'))).toMatch(/more than 10000 operations/);
      const last = await s.api('GET', `/api/events/${r.body.items[999].id}`);
      expect(JSON.stringify(last.body.deliveries.find((d: any) => (d.hook ?? d.hookName) === 'late'))).toMatch(/used up their 50000 operations/);
      await expectIntact();
    });

    it('stops an agent rule that only explodes on real data: the run fails with RULE_ERROR', async () => {
      expect((await s.api('POST', '/api/agents', agent('late_agent', 'late', lateBomb))).status).toBe(201);
      const { result: r } = await underBomb(s, `logic agent rule budget at run on ${dialect}`, () => s.api('POST', '/api/agents/late_agent/run', { data: { items: range(100) } }));
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'failed', error: { code: 'RULE_ERROR', message: expect.stringMatching(/more than 10000 operations/) } });
      // Small data still evaluates normally.
      const ok = await s.api('POST', '/api/agents/late_agent/run', { data: { items: [1] } });
      expect(ok.body).toMatchObject({ status: 'rejected', rule: 'r' });
      await expectIntact();
    });

    it('keeps the method operator (arbitrary method calls) out', async () => {
      const r = await s.api('POST', '/api/event-hooks', hook('method', { method: ['abc', 'toUpperCase'] }));
      expect(r.status).toBe(400);
      expect(r.body.errors[0].message).toMatch(/Unrecognized operation method/);
    });
  });
}
