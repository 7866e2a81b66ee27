// The MCP server at /mcp (official SDK, Streamable HTTP, stateless: one server per request) over the workspace's enabled tools.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Db } from '../../store/index.js';
import { ProblemError, toProblem } from '../../errors.js';
import { authenticate, type Principal } from '../../auth/tokens.js';
import { bearerToken } from '../../auth/auth.plugin.js';
import { roleAllows } from '../../auth/roles.js';
import { VERSION } from '../../version.js';
import { ToolsService } from './tools.service.js';

function refuse(reply: FastifyReply, req: FastifyRequest, problem: ProblemError): FastifyReply {
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="outrigger"');
  return reply.code(problem.status).type('application/problem+json').send(toProblem(problem, req.url));
}

/** The MCP server of one request, bound to the caller's workspace. */
function mcpServer(tools: ToolsService, principal: Principal): Server {
  const server = new Server({ name: 'outrigger', version: VERSION }, { capabilities: { tools: {} } });
  const ws = principal.workspaceId;
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: (await tools.listResolved(ws, { enabledOnly: true })).map(ToolsService.toMcp) }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    const r = await tools.call(ws, name, args ?? {}, { triggerRef: `mcp:${principal.tokenId}` });
    // Unknown (and disabled, hence unlisted) tools are protocol errors; everything else is a tool result the model can read.
    if (r.isError && (r.error.code === 'NOT_FOUND' || r.error.code === 'TOOL_DISABLED')) throw new McpError(ErrorCode.InvalidParams, `unknown tool: ${name}`);
    if (r.isError) return { isError: true, content: [{ type: 'text', text: JSON.stringify({ executionId: r.executionId, error: r.error }) }] };
    const out = r.output;
    const structured = out && typeof out === 'object' && !Array.isArray(out) ? { structuredContent: out as Record<string, unknown> } : {};
    return { content: [{ type: 'text', text: JSON.stringify(out) }], ...structured, _meta: { executionId: r.executionId } };
  });
  return server;
}

/** Registers POST /mcp (GET and DELETE answer 405: there are no sessions or server-initiated streams). */
export async function mcpRoutes(app: FastifyInstance, opts: { db: Db; tools: ToolsService }): Promise<void> {
  // `public` skips the API's auth hook: MCP clients expect a plain 401 with WWW-Authenticate, so this route authenticates itself.
  const cfg = { config: { public: true }, schema: { hide: true } };
  app.post('/mcp', cfg, async (req, reply) => {
    const token = bearerToken(req);
    const principal = token ? await authenticate(opts.db, token) : null;
    if (!principal) return refuse(reply, req, new ProblemError('UNAUTHENTICATED', token ? 'the bearer token is unknown, revoked or expired' : 'send Authorization: Bearer <token>'));
    if (!roleAllows(principal.role, 'invoke')) return refuse(reply, req, new ProblemError('FORBIDDEN', `role ${principal.role} may not call tools (needs invoke)`));
    const server = mcpServer(opts.tools, principal);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req.raw, reply.raw, req.body);
    } catch (err) {
      req.log.error({ err }, 'MCP request failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(JSON.stringify({ jsonrpc: '2.0', error: { code: ErrorCode.InternalError, message: 'internal error' }, id: null }));
      }
    }
  });
  const notAllowed = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply.code(405).header('allow', 'POST').send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP server is stateless; use POST' }, id: null });
  app.get('/mcp', cfg, notAllowed);
  app.delete('/mcp', cfg, notAllowed);
}
