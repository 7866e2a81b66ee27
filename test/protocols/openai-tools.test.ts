// OpenAI strict tools end to end: the export (GET /api/ai/tools?format=openai) and what the smart agent sends through the
// official `openai` client to a fake Chat Completions server (real HTTP) obey the strict rules, and the tool calls that
// server sends back, with nulls for optional properties inside $ref and anyOf objects, run (agent and direct call alike).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Recorded, type Upstream } from '../helpers/upstream.js';
import { strictViolations } from './openai-strict-rules.js';
import { NON_STRICT_CORPUS, STRICT_CORPUS } from './strict-corpus.js';

const ORDER_SCHEMA = {
  type: 'object',
  properties: {
    customer: { $ref: '#/$defs/customer' },
    delivery: {
      anyOf: [
        { type: 'object', properties: { street: { type: 'string' }, floor: { type: 'integer' } }, required: ['street'] },
        { type: 'object', properties: { pickupPoint: { type: 'string' }, note: { type: 'string' } }, required: ['pickupPoint'] },
      ],
    },
    quantity: { type: 'integer', minimum: 1 },
  },
  required: ['customer', 'delivery'],
  $defs: { customer: { type: 'object', properties: { number: { type: 'string' }, email: { type: 'string', format: 'email' } }, required: ['number'] } },
};

// An external $ref cannot be saved, a tool's root must be an object, and a cycle of bare $ref aliases is for the schema
// limits to judge: those are for the converter only.
const CONVERTER_ONLY = new Set(['external_ref', 'root_any_of', 'described_ref_cycle']);
const SAVEABLE_NON_STRICT = Object.fromEntries(Object.entries(NON_STRICT_CORPUS).filter(([n]) => !CONVERTER_ONLY.has(n)));

function completion(message: Record<string, unknown>, finish: string) {
  return { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finish }] };
}

for (const dialect of DIALECTS) {
  describe(`OpenAI strict tools on ${dialect}`, () => {
    let s: TestServer;
    let llm: Upstream;
    let erp: Upstream;
    const script: Array<(req: Recorded) => unknown> = [];

    beforeAll(async () => {
      llm = await startUpstream((req, res) => {
        const next = script.shift();
        if (!next) return json(res, 500, { error: { message: 'script exhausted' } });
        json(res, 200, next(req));
      });
      erp = await startUpstream((req, res) => json(res, 200, { ordered: JSON.parse(req.body || '{}') }));
      s = await startTestServer(dialect, { llmBaseUrl: `${llm.url}/v1` });
      const executor = async (name: string, inputSchema: unknown) => {
        const r = await s.api('POST', '/api/executors', { name, type: 'apiCall', apiCall: { method: 'POST', url: `${erp.url}/${name}` }, inputSchema });
        expect(r.status, r.raw).toBe(201);
      };
      await executor('place_order', ORDER_SCHEMA);
      expect((await s.api('POST', '/api/ai/tools', { name: 'place_order', executor: 'place_order', description: 'Place an order' })).status).toBe(201);
      // The whole corpus as tools too: the export must be right for each of them.
      for (const [name, schema] of [...Object.entries(STRICT_CORPUS), ...Object.entries(SAVEABLE_NON_STRICT)]) {
        await executor(name.replaceAll('_', '-'), schema);
        expect((await s.api('POST', '/api/ai/tools', { name, executor: name.replaceAll('_', '-') })).status).toBe(201);
      }
      const agent = await s.api('POST', '/api/ai/agents', { name: 'clerk', systemPrompt: 'You place orders.', model: 'fake-model', tools: ['place_order', 'refs_and_defs'], maxSteps: 3 });
      expect(agent.status, agent.raw).toBe(201);
    });
    afterAll(async () => {
      await s.close();
      await Promise.all([llm.close(), erp.close()]);
    });

    it('exports each tool strict exactly when the strict rules can be met, and non-strict with its schema otherwise', async () => {
      const r = await s.api('GET', '/api/ai/tools?format=openai');
      expect(r.status).toBe(200);
      const byName = new Map<string, any>(r.body.tools.map((t: any) => [t.function.name, t.function]));
      expect(byName.size).toBe(1 + Object.keys(STRICT_CORPUS).length + Object.keys(SAVEABLE_NON_STRICT).length);
      for (const name of ['place_order', ...Object.keys(STRICT_CORPUS)]) {
        expect(byName.get(name).strict, name).toBe(true);
        expect(strictViolations(byName.get(name).parameters), name).toEqual([]);
      }
      for (const [name, schema] of Object.entries(SAVEABLE_NON_STRICT)) {
        expect(byName.get(name).strict, name).toBe(false);
        expect(byName.get(name).parameters, name).toEqual(schema);
      }
    });

    it('runs strict-mode tool calls with nulls inside $ref and anyOf objects, sent through the official openai client', async () => {
      const requests: any[] = [];
      const args = { customer: { number: 'K-1', email: null }, delivery: { pickupPoint: 'Station 4', note: null }, quantity: null };
      const refArgs = { billing: { street: 'Main 1', zip: null, country: null }, shipping: null, contact: { email: null, phone: '0301234' } };
      script.push(
        (req) => {
          requests.push({ headers: req.headers, body: JSON.parse(req.body) });
          return completion({ tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'place_order', arguments: JSON.stringify(args) } },
            { id: 'c2', type: 'function', function: { name: 'refs_and_defs', arguments: JSON.stringify(refArgs) } },
          ] }, 'tool_calls');
        },
        (req) => {
          requests.push({ headers: req.headers, body: JSON.parse(req.body) });
          return completion({ content: 'Ordered.' }, 'stop');
        },
      );
      const r = await s.api('POST', '/api/ai/agents/clerk/chat', { messages: [{ role: 'user', content: 'Order for K-1, pick-up at station 4.' }] });
      expect(r.status, r.raw).toBe(200);
      expect(r.body.answer).toBe('Ordered.');
      // The request came from the official SDK, and carried strict tools that obey the rules.
      expect(String(requests[0].headers['user-agent'])).toMatch(/^OpenAI\/JS /);
      expect(requests[0].body.tools.map((t: any) => [t.function.name, t.function.strict])).toEqual([['place_order', true], ['refs_and_defs', true]]);
      for (const t of requests[0].body.tools) expect(strictViolations(t.function.parameters)).toEqual([]);

      const calls = r.body.steps[0].toolCalls;
      expect(calls.map((c: any) => c.error ?? null)).toEqual([null, null]);
      // The executors got the arguments without the nulls that stood for absent optional properties.
      expect(calls[0].output).toEqual({ ordered: { customer: { number: 'K-1' }, delivery: { pickupPoint: 'Station 4' } } });
      expect(calls[1].output).toEqual({ ordered: { billing: { street: 'Main 1' }, contact: { phone: '0301234' } } });
      // Each tool result went back to the model.
      const toolMessages = requests[1].body.messages.filter((m: any) => m.role === 'tool');
      expect(toolMessages.map((m: any) => m.tool_call_id)).toEqual(['c1', 'c2']);
      expect(JSON.parse(toolMessages[0].content)).toEqual(calls[0].output);
    });

    it('accepts the same strict-mode arguments on POST /api/ai/tools/{name}/call, and still refuses real violations', async () => {
      const ok = await s.api('POST', '/api/ai/tools/place_order/call', { arguments: { customer: { number: 'K-2', email: null }, delivery: { street: 'Elm 2', floor: null }, quantity: 2 } });
      expect(ok.status, ok.raw).toBe(200);
      expect(ok.body).toMatchObject({ isError: false, output: { ordered: { customer: { number: 'K-2' }, delivery: { street: 'Elm 2' }, quantity: 2 } } });
      // A null for a required property is not an absent optional one: it stays, and the call is refused.
      const bad = await s.api('POST', '/api/ai/tools/place_order/call', { arguments: { customer: { number: null }, delivery: { street: 'Elm 2' } } });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect(bad.body.errors.map((e: any) => e.field)).toContain('/arguments/customer/number');
    });
  });
}
