// Smart agent loop against a scripted fake OpenAI-compatible server (real HTTP): parallel tool calls, invalid arguments, step limit.
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Recorded, type Upstream } from '../helpers/upstream.js';
import { createApiCallExecutor } from './helpers.js';

function completion(message: Record<string, unknown>, finish: string) {
  return { id: `chatcmpl-${Math.random().toString(36).slice(2)}`, object: 'chat.completion', created: 1, model: 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finish }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } };
}
const toolCall = (id: string, name: string, args: string) => ({ id, type: 'function', function: { name, arguments: args } });

for (const dialect of DIALECTS) {
  describe(`smart agents on ${dialect}`, () => {
    let s: TestServer;
    let llm: Upstream;
    let tools: Upstream;
    const script: Array<(req: Recorded) => unknown> = [];
    const waiting: Array<{ req: Recorded; res: http.ServerResponse }> = [];
    let maxConcurrent = 0;

    beforeAll(async () => {
      // The fake model: answers each chat completion request with the next scripted message.
      llm = await startUpstream((req, res) => {
        const next = script.shift();
        if (!next) return json(res, 500, { error: { message: 'script exhausted' } });
        const body = next(req);
        if (typeof body === 'number') return json(res, body, { error: { message: 'model overloaded', type: 'server_error' } });
        json(res, 200, body);
      });
      // The tool backend holds requests until two are waiting (or a deadline), which shows they run concurrently.
      tools = await startUpstream((req, res) => {
        waiting.push({ req, res });
        maxConcurrent = Math.max(maxConcurrent, waiting.length);
        const flush = () => { for (const w of waiting.splice(0)) json(w.res, 200, { zip: new URL(w.req.url, 'http://x').searchParams.get('zip'), cheapest: { tariff: 'Strom Fix24', yearlyCost: 868 } }); };
        if (waiting.length >= 2) flush();
        else setTimeout(flush, 2_000).unref();
      });
      s = await startTestServer(dialect, { llmBaseUrl: `${llm.url}/v1` });
      await createApiCallExecutor(s, 'offer_exec', 'GET', `${tools.url}/offer`, { inputSchema: { type: 'object', properties: { zip: { type: 'string', pattern: '^\\d{5}$' } }, required: ['zip'] } });
      await createApiCallExecutor(s, 'mail_exec', 'POST', `${tools.url}/mail`, { inputSchema: { type: 'object', properties: { email: { type: 'string', format: 'email' }, zip: { type: 'string' } }, required: ['email', 'zip'] } });
      await s.api('POST', '/api/ai/tools', { name: 'get_tariff_offer', executor: 'offer_exec', description: 'Tariff offer' });
      await s.api('POST', '/api/ai/tools', { name: 'send_offer_by_email', executor: 'mail_exec', description: 'Mail an offer' });
      const created = await s.api('POST', '/api/ai/agents', { name: 'advisor', systemPrompt: 'You advise on tariffs.', model: 'fake-model', tools: ['get_tariff_offer', 'send_offer_by_email'], maxSteps: 3 });
      expect(created.status).toBe(201);
    });
    afterAll(async () => {
      await s.close();
      await Promise.all([llm.close(), tools.close()]);
    });

    it('runs parallel tool calls concurrently, returns invalid arguments to the model, and ends with its answer', async () => {
      const seen: any[] = [];
      script.push(
        (req) => { seen.push(JSON.parse(req.body)); return completion({ tool_calls: [toolCall('c1', 'get_tariff_offer', '{"zip":"10115"}'), toolCall('c2', 'get_tariff_offer', '{"zip":"80331"}')] }, 'tool_calls'); },
        (req) => { seen.push(JSON.parse(req.body)); return completion({ tool_calls: [toolCall('c3', 'send_offer_by_email', '{"zip":"10115","email":"not-an-email"}'), toolCall('c4', 'get_tariff_offer', '{"zip": 10115')] }, 'tool_calls'); },
        (req) => { seen.push(JSON.parse(req.body)); return completion({ content: 'Strom Fix24 is cheapest in both places (868 EUR a year).' }, 'stop'); },
      );
      const r = await s.api('POST', '/api/ai/agents/advisor/chat', { messages: [{ role: 'user', content: 'Cheapest tariff in 10115 and 80331?' }] });
      expect(r.status).toBe(200);
      expect(r.body.answer).toBe('Strom Fix24 is cheapest in both places (868 EUR a year).');
      expect(r.body.stopReason).toBe('stop');
      expect(r.body.usage).toEqual({ promptTokens: 30, completionTokens: 15, totalTokens: 45 });
      expect(maxConcurrent).toBe(2);

      const [step1, step2] = r.body.steps;
      expect(step1.toolCalls.map((c: any) => [c.id, c.name, c.arguments, c.output?.zip])).toEqual([['c1', 'get_tariff_offer', { zip: '10115' }, '10115'], ['c2', 'get_tariff_offer', { zip: '80331' }, '80331']]);
      for (const c of step1.toolCalls) expect((await s.api('GET', `/api/executions/${c.executionId}`)).body.trigger).toBe('tool');
      expect(step2.toolCalls[0]).toMatchObject({ id: 'c3', executionId: null, error: { code: 'INVALID_ARGUMENTS' } });
      expect(step2.toolCalls[0].error.message).toContain('/email');
      expect(step2.toolCalls[1]).toMatchObject({ id: 'c4', arguments: '{"zip": 10115', error: { code: 'INVALID_ARGUMENTS' } });

      // What the model was sent: strict function tools, then the tool results (errors included) under their call ids.
      expect(seen[0].model).toBe('fake-model');
      expect(seen[0].messages[0]).toEqual({ role: 'system', content: 'You advise on tariffs.' });
      expect(seen[0].tools.map((t: any) => [t.type, t.function.name, t.function.strict])).toEqual([['function', 'get_tariff_offer', true], ['function', 'send_offer_by_email', true]]);
      const toolMsgs1 = seen[1].messages.filter((m: any) => m.role === 'tool');
      expect(toolMsgs1.map((m: any) => m.tool_call_id)).toEqual(['c1', 'c2']);
      expect(JSON.parse(toolMsgs1[0].content).zip).toBe('10115');
      const toolMsgs2 = seen[2].messages.filter((m: any) => m.role === 'tool').slice(2);
      expect(toolMsgs2.map((m: any) => [m.tool_call_id, JSON.parse(m.content).error.code])).toEqual([['c3', 'INVALID_ARGUMENTS'], ['c4', 'INVALID_ARGUMENTS']]);
      expect(seen[1].messages.find((m: any) => m.role === 'assistant').tool_calls.map((c: any) => c.id)).toEqual(['c1', 'c2']);
    });

    it('enforces the step limit and refuses tools outside the agent', async () => {
      for (let i = 0; i < 4; i++) script.push(() => completion({ tool_calls: [toolCall(`x${i}`, i === 0 ? 'do_tariff_change' : 'send_offer_by_email', '{}')] }, 'tool_calls'));
      const r = await s.api('POST', '/api/ai/agents/advisor/chat', { messages: [{ role: 'user', content: 'loop' }] });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ answer: null, stopReason: 'maxSteps' });
      expect(r.body.steps).toHaveLength(3);
      expect(r.body.steps[0].toolCalls[0].error.code).toBe('NOT_FOUND');
      expect(script).toHaveLength(0);
    });

    it('maps a failing model endpoint to 502 and refuses bad input', async () => {
      script.push(() => 503, () => 503);
      const r = await s.api('POST', '/api/ai/agents/advisor/chat', { messages: [{ role: 'user', content: 'hi' }] });
      expect(r.status).toBe(502);
      expect(r.body.code).toBe('UPSTREAM_FAILED');
      expect(script).toHaveLength(0); // one retry, then the error
      expect((await s.api('POST', '/api/ai/agents/nope/chat', { messages: [{ role: 'user', content: 'hi' }] })).status).toBe(404);
      expect((await s.api('POST', '/api/ai/agents/advisor/chat', { messages: [] })).status).toBe(400);
      expect((await s.api('POST', '/api/ai/agents/advisor/chat', { messages: [{ role: 'tool', content: 'x' }] })).status).toBe(400);
      const noTickets = await s.api('POST', '/api/ai/agents/advisor/chat', { messages: [{ role: 'user', content: 'hi' }], ticketId: 'T-1' });
      expect(noTickets.status).toBe(404);
      const unknownTool = await s.api('POST', '/api/ai/agents', { name: 'x', systemPrompt: 'x', model: 'm', tools: ['nope'] });
      expect(unknownTool.status).toBe(400);
      expect(unknownTool.body.errors).toEqual([{ field: '/tools/0', message: 'tool nope does not exist' }]);
      const inUse = await s.api('DELETE', '/api/ai/tools/get_tariff_offer');
      expect(inUse.status).toBe(409);
      expect(inUse.body.detail).toContain('advisor');
      await s.api('POST', '/api/ai/agents', { name: 'secretive', systemPrompt: 'x', model: 'm', apiKeySecret: 'MISSING_KEY' });
      expect((await s.api('POST', '/api/ai/agents/secretive/chat', { messages: [{ role: 'user', content: 'hi' }] })).status).toBe(409);
    });

    it('sends the API key from the agent’s secret and uses the agent’s own base URL', async () => {
      await s.api('PUT', '/api/secrets/LLM_KEY', { value: 'sk-test-123' });
      await s.api('POST', '/api/ai/agents', { name: 'keyed', systemPrompt: 'x', model: 'm2', baseUrl: `${llm.url}/custom/v1`, apiKeySecret: 'LLM_KEY' });
      script.push(() => completion({ content: 'hello' }, 'stop'));
      const before = llm.requests.length;
      const r = await s.api('POST', '/api/ai/agents/keyed/chat', { messages: [{ role: 'user', content: 'hi' }] });
      expect(r.body).toMatchObject({ answer: 'hello', steps: [] });
      const req = llm.requests[before]!;
      expect(req.url).toBe('/custom/v1/chat/completions');
      expect(req.headers.authorization).toBe('Bearer sk-test-123');
    });
  });
}
