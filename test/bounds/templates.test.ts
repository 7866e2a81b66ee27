// Mustache bombs in agent messages and input mappings: section nesting refused on save, output and iterations capped at run time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { underBomb } from './helpers.js';

const UNREACHABLE = 'http://127.0.0.1:9/never';
const items = Array.from({ length: 5000 }, (_, i) => i);
const rejecting = (name: string, message: string) => ({ name, intent: name, dataSchema: { type: 'object' }, executor: 'sink', rules: [{ name: 'always', when: { '==': [1, 1] }, then: 'reject', message }] });

for (const dialect of DIALECTS) {
  describe(`Mustache bounds on ${dialect}`, () => {
    let s: TestServer;

    beforeAll(async () => {
      s = await startTestServer(dialect);
      expect((await s.api('POST', '/api/executors', { name: 'sink', type: 'apiCall', apiCall: { method: 'POST', url: UNREACHABLE } })).status).toBe(201);
      expect((await s.api('POST', '/api/agents', rejecting('keep', 'Items: {{#data.items}}{{.}} & {{/data.items}}'))).status).toBe(201);
    });
    afterAll(async () => { await s.close(); });

    async function expectIntact(): Promise<void> {
      const r = await s.api('POST', '/api/agents/keep/run', { data: { items: [1, 2] } });
      expect(r.body).toMatchObject({ status: 'rejected', message: 'Items: 1 & 2 & ' });
    }

    it('ends a section nested over a 5,000-item array quickly with a clear error, not a 25 MB message', async () => {
      expect((await s.api('POST', '/api/agents', rejecting('square', '{{#data.items}}{{#data.items}}{{.}},{{/data.items}}{{/data.items}}'))).status).toBe(201);
      const { result: r } = await underBomb(s, `mustache nested section over 5000 items on ${dialect}`, () => s.api('POST', '/api/agents/square/run', { data: { items } }));
      expect(r.status).toBe(200);
      expect(r.raw.length).toBeLessThan(10_000);
      expect(r.body).toMatchObject({ status: 'failed', message: '', replied: false, error: { code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/the message template of agent square exceeds a limit: the template repeats sections more than 20000 times/) } });
      await expectIntact();
    });

    it('caps the output of one rendering', async () => {
      expect((await s.api('POST', '/api/agents', rejecting('wide', `{{#data.items}}${'x'.repeat(100)}{{/data.items}}`))).status).toBe(201);
      const { result: r } = await underBomb(s, `mustache output cap on ${dialect}`, () => s.api('POST', '/api/agents/wide/run', { data: { items } }));
      expect(r.body.error).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/longer than 262144 characters/) });
      await expectIntact();
    });

    it('refuses sections nested deeper than the limit on save, naming the field', async () => {
      const open = Array.from({ length: 9 }, (_, i) => `{{#s${i}}}`).join('');
      const close = Array.from({ length: 9 }, (_, i) => `{{/s${8 - i}}}`).join('');
      const r = await s.api('POST', '/api/agents', rejecting('deep', `${open}x${close}`));
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([{ field: '/rules/0/message', message: expect.stringMatching(/sections are nested 9 levels deep \(at most 8\)/) }]);
      const t = await s.api('POST', '/api/agents', { ...rejecting('deep', 'ok'), templates: { success: `${open}x${close}` } });
      expect(t.body.errors?.[0]?.field).toBe('/templates/success');
    });

    it('fails a run whose input mapping would explode before the executor is called', async () => {
      const body = { name: 'mapping', intent: 'mapping', dataSchema: { type: 'object' }, executor: 'sink', inputMapping: { text: '{{#data.items}}{{#data.items}}.{{/data.items}}{{/data.items}}' } };
      expect((await s.api('POST', '/api/agents', body)).status).toBe(201);
      const before = (await s.api('GET', '/api/executions?executor=sink')).body;
      expect(Array.isArray(before.items)).toBe(true);
      const { result: r } = await underBomb(s, `mustache input mapping over 5000 items on ${dialect}`, () => s.api('POST', '/api/agents/mapping/run', { data: { items } }));
      expect(r.body).toMatchObject({ status: 'failed', executionId: null, error: { code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/input mapping text/) } });
      expect((await s.api('GET', '/api/executions?executor=sink')).body).toEqual(before);
      await expectIntact();
    });
  });
}
