// The MCP server at /mcp (official SDK, Streamable HTTP, stateless: one server per request) over the workspace's enabled tools.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError, toProblem } from '../../errors.js';
import { bearerToken } from '../../auth/auth.plugin.js';
import { roleAllows } from '../../auth/roles.js';
import type { ToolsService } from './tools.service.js';

function refuse(reply: FastifyReply, req: FastifyRequest, problem: ProblemError): FastifyReply {
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="outrigger"');
  return reply.code(problem.status).type('application/problem+json').send(toProblem(problem, req.url));
}

/** Registers POST /mcp (GET and DELETE answer 405: there are no sessions or server-initiated streams). */
export async function mcpRoutes(app: FastifyInstance, opts: { tools: ToolsService }): Promise<void> {
  // `public` skips the API's auth hook: MCP clients expect a plain 401 with WWW-Authenticate, so this route authenticates itself.
  const cfg = { config: { public: true }, schema: { hide: true } };
  app.post('/mcp', cfg, async (req, reply) => {
    const token = bearerToken(req);
    const principal = token ? await app.authenticateBearer(token) : null;
    if (!principal) return refuse(reply, req, new ProblemError('UNAUTHENTICATED', token ? 'the bearer token is unknown, revoked or expired' : 'send Authorization: Bearer <token>'));
    if (!roleAllows(principal.role, 'invoke')) return refuse(reply, req, new ProblemError('FORBIDDEN', `role ${principal.role} may not call tools (needs invoke)`));
    // Running code calls tools through the REST API, where its calls are nested under it (bounded depth and deadline).
    if (principal.executionId !== undefined) return refuse(reply, req, new ProblemError('FORBIDDEN', 'an execution’s token may not use /mcp; call /api/ai/tools/{name}/call'));
    // The MCP SDK is large (its own HTTP stacks and schema library): loaded on the first MCP request, not at start.
    const { mcpServer, StreamableHTTPServerTransport } = await import('./mcp-server.js');
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
        reply.raw.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null }));
      }
    }
  });
  const notAllowed = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply.code(405).header('allow', 'POST').send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP server is stateless; use POST' }, id: null });
  app.get('/mcp', cfg, notAllowed);
  app.delete('/mcp', cfg, notAllowed);
}
