// The MCP server of one request (official SDK), loaded lazily by mcp.routes.ts.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, LATEST_PROTOCOL_VERSION, ListToolsRequestSchema, McpError, SUPPORTED_PROTOCOL_VERSIONS, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../../auth/tokens.js';
import { VERSION } from '../../version.js';
import { ToolsService } from './tools.service.js';

export { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/**
 * The protocol revisions served: the SDK's own list, newest first. The SDK answers `initialize` with the client's version
 * when it is listed and with the newest otherwise, and the transport refuses an `MCP-Protocol-Version` header outside it.
 */
export const SERVED_PROTOCOL_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;
export const NEWEST_PROTOCOL_VERSION: string = LATEST_PROTOCOL_VERSION;

/** The MCP server of one request, bound to the caller's workspace. */
export function mcpServer(tools: ToolsService, principal: Principal): Server {
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
    // A tool with an outputSchema must answer structuredContent matching it: the invoke pipeline has already checked the
    // output against the executor's outputSchema (a mismatch is an OUTPUT_INVALID tool error above), and that schema
    // describes an object whenever it is published. The text block repeats it for clients that read content only.
    const structured = out && typeof out === 'object' && !Array.isArray(out) ? { structuredContent: out as Record<string, unknown> } : {};
    return { content: [{ type: 'text', text: JSON.stringify(out) }], ...structured, _meta: { executionId: r.executionId } };
  });
  return server;
}

