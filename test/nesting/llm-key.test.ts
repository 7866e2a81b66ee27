// The server-wide LLM key goes to the server-wide base URL only: two fake OpenAI-compatible servers (real HTTP)
// record the Authorization header each one received, whatever agents are configured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectHealthy } from './helpers.js';

const SERVER_KEY = 'sk-server-wide-key-0001';
const OWN_KEY = 'sk-agents-own-key-0002';
const answer = { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] };
const chat = { messages: [{ role: 'user', content: 'hello' }] };

for (const dialect of DIALECTS) {
  describe(`the server-wide LLM key on ${dialect}`, () => {
    let s: TestServer;
    let serverLlm: Upstream;
    let otherLlm: Upstream;
    const auths = (u: Upstream) => u.requests.map((r) => r.headers.authorization ?? null);

    beforeAll(async () => {
      serverLlm = await startUpstream((_req, res) => json(res, 200, answer));
      otherLlm = await startUpstream((_req, res) => json(res, 200, answer));
      s = await startTestServer(dialect, { llmBaseUrl: `${serverLlm.url}/v1`, llmApiKey: SERVER_KEY });
      expect((await s.api('PUT', '/api/secrets/OWN_LLM_KEY', { value: OWN_KEY })).status).toBeLessThan(300);
    });
    afterAll(async () => {
      await s.close();
      await Promise.all([serverLlm.close(), otherLlm.close()]);
    });

    it('an agent without its own baseUrl sends the server key to the server URL', async () => {
      expect((await s.api('POST', '/api/ai/agents', { name: 'plain', systemPrompt: 'x', model: 'm' })).status).toBe(201);
      // Naming the server URL itself is the same endpoint, so the same key.
      expect((await s.api('POST', '/api/ai/agents', { name: 'explicit', systemPrompt: 'x', model: 'm', baseUrl: `${serverLlm.url}/v1/` })).status).toBe(201);
      for (const n of ['plain', 'explicit']) expect((await s.api('POST', `/api/ai/agents/${n}/chat`, chat)).body.answer).toBe('hi');
      expect(auths(serverLlm)).toEqual([`Bearer ${SERVER_KEY}`, `Bearer ${SERVER_KEY}`]);
      expect(otherLlm.requests).toHaveLength(0);
    });

    it('refuses to save an agent with another baseUrl and no key of its own', async () => {
      const r = await s.api('POST', '/api/ai/agents', { name: 'leaky', systemPrompt: 'x', model: 'm', baseUrl: `${otherLlm.url}/v1` });
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([{ field: '/apiKeySecret', message: expect.stringContaining('only ever sent to the server-wide base URL') }]);
      const put = await s.api('PUT', '/api/ai/agents/leaky', { name: 'leaky', systemPrompt: 'x', model: 'm', baseUrl: `${otherLlm.url}/v1` });
      expect(put.status).toBe(400);
      expect((await s.api('GET', '/api/ai/agents/leaky')).status).toBe(404);
    });

    it('an agent stored before the rule (own baseUrl, no secret) fails at run time and sends nothing', async () => {
      await s.o.points.smartAgents.store.create(s.o.defaultWorkspaceId, {
        name: 'legacy', systemPrompt: 'x', model: 'm', tools: [], maxSteps: 2, baseUrl: `${otherLlm.url}/v1`, apiKeySecret: null, temperature: null,
      });
      const r = await s.api('POST', '/api/ai/agents/legacy/chat', chat);
      expect(r.status).toBe(409);
      expect(r.body.detail).toMatch(/own baseUrl but no apiKeySecret/);
      expect(otherLlm.requests).toHaveLength(0);
      await expectHealthy(s);
    });

    it('an agent with its own baseUrl sends its own key there, and the server key nowhere else', async () => {
      const before = serverLlm.requests.length;
      expect((await s.api('POST', '/api/ai/agents', { name: 'own', systemPrompt: 'x', model: 'm', baseUrl: `${otherLlm.url}/v1`, apiKeySecret: 'OWN_LLM_KEY' })).status).toBe(201);
      expect((await s.api('POST', '/api/ai/agents/own/chat', chat)).body.answer).toBe('hi');
      expect(auths(otherLlm)).toEqual([`Bearer ${OWN_KEY}`]);
      expect(serverLlm.requests.length).toBe(before);
      // Across everything this suite sent: the server key reached only the server endpoint.
      expect(otherLlm.requests.every((r) => !JSON.stringify(r.headers).includes(SERVER_KEY) && !r.body.includes(SERVER_KEY))).toBe(true);
    });
  });
}
