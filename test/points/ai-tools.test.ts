// AI tools: CRUD, OpenAI strict export, REST calls, and the MCP server over real HTTP with the official SDK client.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { DIALECTS } from '../helpers/dialects.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { createApiCallExecutor } from './helpers.js';

const OFFER_SCHEMA = {
  type: 'object',
  properties: { zip: { type: 'string', pattern: '^\\d{5}$', description: 'postcode' }, consumptionKwh: { type: 'number', minimum: 1 }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['zip'],
};

for (const dialect of DIALECTS) {
  describe(`AI tools on ${dialect}`, () => {
    let s: TestServer;
    let erp: Upstream;
    let mcpUrl: URL;

    beforeAll(async () => {
      s = await startTestServer(dialect);
      erp = await startUpstream((req, res) => {
        if (req.url.startsWith('/broken')) return json(res, 500, { error: 'database down' });
        json(res, 200, { ok: true, got: req.url });
      });
      await createApiCallExecutor(s, 'offer_exec', 'GET', `${erp.url}/offer`, { description: 'Offer for a postcode', inputSchema: OFFER_SCHEMA });
      await createApiCallExecutor(s, 'broken_exec', 'GET', `${erp.url}/broken`, { description: 'Always fails' });
      await createApiCallExecutor(s, 'free_exec', 'POST', `${erp.url}/free`, { inputSchema: { type: 'object', properties: { note: { type: 'string', minLength: 3 } } } });
      expect((await s.api('POST', '/api/ai/tools', { name: 'get_offer', executor: 'offer_exec' })).status).toBe(201);
      expect((await s.api('POST', '/api/ai/tools', { name: 'broken', executor: 'broken_exec', description: 'Fails on purpose' })).status).toBe(201);
      expect((await s.api('POST', '/api/ai/tools', { name: 'free-note', executor: 'free_exec', description: 'Free note' })).status).toBe(201);
      expect((await s.api('POST', '/api/ai/tools', { name: 'Disabled_Tool', executor: 'offer_exec', enabled: false })).status).toBe(201);
      await s.o.app.listen({ port: 0, host: '127.0.0.1' });
      mcpUrl = new URL(`http://127.0.0.1:${(s.o.app.server.address() as AddressInfo).port}/mcp`);
    });
    afterAll(async () => {
      await s.close();
      await erp.close();
    });

    it('exports enabled tools as OpenAI function tools with strict schemas where possible', async () => {
      const r = await s.api('GET', '/api/ai/tools?format=openai');
      expect(r.status).toBe(200);
      const byName = Object.fromEntries(r.body.tools.map((t: any) => [t.function.name, t]));
      expect(Object.keys(byName).sort()).toEqual(['broken', 'free-note', 'get_offer']);
      expect(byName.get_offer).toEqual({
        type: 'function',
        function: {
          name: 'get_offer',
          description: 'Offer for a postcode', // the executor's description
          strict: true,
          parameters: {
            type: 'object',
            properties: {
              zip: { type: 'string', pattern: '^\\d{5}$', description: 'postcode' },
              consumptionKwh: { type: ['number', 'null'], minimum: 1 },
              tags: { type: ['array', 'null'], items: { type: 'string' } },
            },
            required: ['zip', 'consumptionKwh', 'tags'],
            additionalProperties: false,
          },
        },
      });
      // minLength is not accepted by strict mode: the tool is exported non-strict with its schema unchanged.
      expect(byName['free-note'].function.strict).toBe(false);
      expect(byName['free-note'].function.parameters).toEqual({ type: 'object', properties: { note: { type: 'string', minLength: 3 } } });
      // An executor without inputSchema takes any object: not strict either.
      expect(byName.broken.function).toMatchObject({ strict: false, parameters: { type: 'object', properties: {}, additionalProperties: true } });
      const mcp = await s.api('GET', '/api/ai/tools?format=mcp');
      expect(mcp.body.tools.find((t: any) => t.name === 'get_offer')).toEqual({ name: 'get_offer', description: 'Offer for a postcode', inputSchema: OFFER_SCHEMA, annotations: { readOnlyHint: true, openWorldHint: true } });
      const native = await s.api('GET', '/api/ai/tools');
      expect(native.body.items.find((t: any) => t.name === 'Disabled_Tool')).toMatchObject({ enabled: false, parameters: null });
    });

    it('calls a tool: output, strict-mode nulls dropped, executor errors as isError', async () => {
      const ok = await s.api('POST', '/api/ai/tools/get_offer/call', { arguments: { zip: '10115', consumptionKwh: null, tags: null } });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ isError: false, output: { ok: true, got: '/offer?zip=10115' } });
      const exe = await s.api('GET', `/api/executions/${ok.body.executionId}`);
      expect(exe.body.trigger).toBe('tool');
      const failed = await s.api('POST', '/api/ai/tools/broken/call', { arguments: {} });
      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({ isError: true, error: { code: 'UPSTREAM_ERROR' } });
      expect(failed.body.executionId).toMatch(/^exe_/);
    });

    it('refuses unknown tools, disabled tools and invalid arguments (one error listing every problem)', async () => {
      const unknown = await s.api('POST', '/api/ai/tools/nope/call', { arguments: {} });
      expect(unknown.status).toBe(404);
      expect(unknown.headers['content-type']).toContain('application/problem+json');
      expect((await s.api('POST', '/api/ai/tools/Disabled_Tool/call', { arguments: { zip: '10115' } })).status).toBe(409);
      const invalid = await s.api('POST', '/api/ai/tools/get_offer/call', { arguments: { zip: 'abc', consumptionKwh: 'lots', extra: 1 } });
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors.map((e: any) => e.field).sort()).toEqual(['/arguments/consumptionKwh', '/arguments/zip']);
      expect(invalid.body.detail).toContain('/zip');
      expect(invalid.body.detail).toContain('/consumptionKwh');
      expect((await s.api('POST', '/api/ai/tools/get_offer/call', { args: {} })).status).toBe(400);
      const badName = await s.api('POST', '/api/ai/tools', { name: 'has space', executor: 'offer_exec' });
      expect(badName.status).toBe(400);
      const badExec = await s.api('POST', '/api/ai/tools', { name: 'x', executor: 'nope' });
      expect(badExec.body.errors).toEqual([{ field: '/executor', message: 'executor nope does not exist' }]);
      const badParams = await s.api('POST', '/api/ai/tools', { name: 'x', executor: 'offer_exec', parameters: { type: 'string' } });
      expect(badParams.status).toBe(400);
      expect((await s.api('GET', '/api/ai/tools?format=yaml')).status).toBe(400);
      expect((await s.api('DELETE', '/api/executors/offer_exec')).status).toBe(409);
    });

    it('serves the tools over MCP (Streamable HTTP) with bearer auth', async () => {
      const client = new Client({ name: 'outrigger-test', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(mcpUrl, { requestInit: { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } } });
      await client.connect(transport);
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(['broken', 'free-note', 'get_offer']);
        expect(tools.find((t) => t.name === 'get_offer')!.inputSchema).toEqual(OFFER_SCHEMA);
        const ok = await client.callTool({ name: 'get_offer', arguments: { zip: '80331' } });
        expect(ok.isError).toBeFalsy();
        expect(ok.structuredContent).toEqual({ ok: true, got: '/offer?zip=80331' });
        expect(JSON.parse((ok.content as any)[0].text)).toEqual({ ok: true, got: '/offer?zip=80331' });
        const failing = await client.callTool({ name: 'broken', arguments: {} });
        expect(failing.isError).toBe(true);
        expect(JSON.parse((failing.content as any)[0].text).error.code).toBe('UPSTREAM_ERROR');
        const invalid = await client.callTool({ name: 'get_offer', arguments: { zip: 1 } });
        expect(invalid.isError).toBe(true);
        expect((invalid.content as any)[0].text).toContain('INVALID_ARGUMENTS');
        await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toThrow(/unknown tool/);
      } finally {
        await client.close();
      }
    });

    it('answers 401 on /mcp without a valid token', async () => {
      const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const none = await fetch(mcpUrl, { method: 'POST', headers, body: JSON.stringify(init) });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      const wrong = await fetch(mcpUrl, { method: 'POST', headers: { ...headers, authorization: 'Bearer otr_wrong' }, body: JSON.stringify(init) });
      expect(wrong.status).toBe(401);
      const client = new Client({ name: 'no-token', version: '1.0.0' });
      await expect(client.connect(new StreamableHTTPClientTransport(mcpUrl))).rejects.toThrow();
      expect((await fetch(mcpUrl, { method: 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(405);
    });
  });
}
