// Wiring of customer recognition, rule-based agents, AI tools (+ MCP) and smart agents: services plus one Fastify plugin.
import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Db } from '../store/index.js';
import type { InvokeService } from '../executors/invoke.service.js';
import type { SecretsService } from '../secrets/secrets.service.js';
import type { TicketPort } from './ticket-port.js';
import { RecognitionService } from './customer-recognition/recognition.service.js';
import { recognitionRoutes } from './customer-recognition/recognition.routes.js';
import { AgentsService } from './agents/agents.service.js';
import { agentsRoutes } from './agents/agents.routes.js';
import { ToolsService } from './ai-tools/tools.service.js';
import { toolsRoutes } from './ai-tools/tools.routes.js';
import { mcpRoutes } from './ai-tools/mcp.routes.js';
import { SmartAgentsService } from './smart-agents/smart-agents.service.js';
import { smartAgentsRoutes } from './smart-agents/smart-agents.routes.js';

export interface PointsDeps {
  db: Db;
  invoker: InvokeService;
  secrets: SecretsService;
  guardedDispatcher: Dispatcher;
  recognitionCacheTtlMs: number;
  llmBaseUrl?: string;
  llmApiKey?: string;
  /** The host model's tickets; without it ticket-linked calls answer 400 "tickets are not available". */
  tickets?: TicketPort;
}

export interface PointsServices {
  recognition: RecognitionService;
  agents: AgentsService;
  tools: ToolsService;
  smartAgents: SmartAgentsService;
  /** Sets (or replaces) the ticket port of every service. */
  setTickets(port: TicketPort | undefined): void;
  plugin(app: FastifyInstance): Promise<void>;
}

/** Creates the services (the composition root registers `pointBindingLookup` with the executors service). */
export function createPointsServices(deps: PointsDeps): PointsServices {
  const recognition = new RecognitionService({ db: deps.db, invoker: deps.invoker, cacheTtlMs: deps.recognitionCacheTtlMs, tickets: deps.tickets });
  const agents = new AgentsService(deps.db, deps.invoker, deps.tickets);
  const tools = new ToolsService(deps.db, deps.invoker, deps.tickets);
  const smartAgents = new SmartAgentsService({
    db: deps.db, tools, secrets: deps.secrets, guardedDispatcher: deps.guardedDispatcher,
    defaultBaseUrl: deps.llmBaseUrl, defaultApiKey: deps.llmApiKey, tickets: deps.tickets,
  });
  return {
    recognition, agents, tools, smartAgents,
    setTickets(port) {
      recognition.tickets = port;
      agents.tickets = port;
      tools.tickets = port;
      smartAgents.tickets = port;
    },
    async plugin(app) {
      await recognitionRoutes(app, recognition);
      await agentsRoutes(app, agents);
      await toolsRoutes(app, tools);
      await smartAgentsRoutes(app, smartAgents);
      await mcpRoutes(app, { tools });
    },
  };
}
