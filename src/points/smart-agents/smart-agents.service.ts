// Smart agents (SPEC 3): a tool-calling loop against any OpenAI-compatible Chat Completions endpoint, tools run as executors.
import type OpenAI from 'openai';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import type { Db } from '../../store/index.js';
import { invalid, ProblemError, type FieldError } from '../../errors.js';
import type { SecretsService } from '../../secrets/secrets.service.js';
import { BindingStore } from '../bindings/binding-store.js';
import { requireTicket, type TicketPort } from '../ticket-port.js';
import { ToolsService, type ToolCallResult } from '../ai-tools/tools.service.js';

export const DEFAULT_MAX_STEPS = 8;
const LLM_TIMEOUT_MS = 120_000;

export interface SmartAgent {
  name: string;
  systemPrompt: string;
  model: string;
  tools: string[];
  /** Most tool-calling rounds in one chat. */
  maxSteps: number;
  /** OpenAI-compatible base URL (…/v1); default: the server's OUTRIGGER_LLM_BASE_URL. */
  baseUrl: string | null;
  /** Name of the secret holding the API key; default: the server's OUTRIGGER_LLM_API_KEY. */
  apiKeySecret: string | null;
  temperature: number | null;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ToolStep {
  id: string;
  name: string;
  arguments: unknown;
  executionId: string | null;
  output?: unknown;
  error?: { code: string; message: string };
}

export interface ChatResult {
  answer: string | null;
  /** `stop`: the model answered; `maxSteps`: it still wanted tools when the step limit was reached. */
  stopReason: 'stop' | 'maxSteps';
  steps: Array<{ toolCalls: ToolStep[] }>;
  usage?: { promptTokens: number; completionTokens: number; totalTokens: number };
}

export interface SmartAgentsDeps {
  db: Db;
  tools: ToolsService;
  secrets: SecretsService;
  /** The egress-guarded dispatcher: an agent's own base URL is user input and must not reach private addresses. */
  guardedDispatcher: Dispatcher;
  defaultBaseUrl?: string;
  defaultApiKey?: string;
  tickets?: TicketPort;
}

export class SmartAgentsService {
  readonly store: BindingStore<SmartAgent>;

  constructor(private readonly deps: SmartAgentsDeps) {
    this.store = new BindingStore<SmartAgent>(deps.db, 'aiAgent');
    // A tool an agent relies on cannot disappear under it.
    deps.tools.store.guardDelete(async (ws, tool) => {
      const users = (await this.store.list(ws)).filter((a) => a.spec.tools.includes(tool)).map((a) => a.spec.name);
      if (users.length) throw new ProblemError('CONFLICT', `tool ${tool} is used by smart agent ${users.join(', ')}; remove it there first`, { extra: { agents: users } });
    });
  }

  set tickets(port: TicketPort | undefined) {
    this.deps.tickets = port;
  }

  /** Applies defaults and checks that the tools exist (for create/replace). */
  async prepare(workspaceId: string, body: Partial<SmartAgent> & { name: string; systemPrompt: string; model: string }): Promise<SmartAgent> {
    const tools = [...new Set(body.tools ?? [])];
    const errors: FieldError[] = [];
    for (const [i, t] of tools.entries()) if (!(await this.deps.tools.store.find(workspaceId, t))) errors.push({ field: `/tools/${i}`, message: `tool ${t} does not exist` });
    if (body.baseUrl) {
      try {
        const u = new URL(body.baseUrl);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') errors.push({ field: '/baseUrl', message: 'must use http or https' });
      } catch {
        errors.push({ field: '/baseUrl', message: 'is not an absolute URL' });
      }
    }
    // The server-wide key belongs to the server-wide endpoint: an agent that talks to another one names its own key.
    if (body.baseUrl && !body.apiKeySecret && !this.isServerEndpoint(body.baseUrl)) {
      errors.push({ field: '/apiKeySecret', message: 'is required with an own baseUrl: the server-wide LLM key is only ever sent to the server-wide base URL (store the key, or any placeholder for a keyless server, as a secret)' });
    }
    if (errors.length) throw invalid(errors);
    return {
      name: body.name, systemPrompt: body.systemPrompt, model: body.model, tools, maxSteps: body.maxSteps ?? DEFAULT_MAX_STEPS,
      baseUrl: body.baseUrl ?? null, apiKeySecret: body.apiKeySecret ?? null, temperature: body.temperature ?? null,
    };
  }

  private async client(workspaceId: string, agent: SmartAgent): Promise<OpenAI> {
    const baseURL = agent.baseUrl ?? this.deps.defaultBaseUrl;
    if (!baseURL) throw new ProblemError('CONFLICT', `smart agent ${agent.name} has no baseUrl and the server has no OUTRIGGER_LLM_BASE_URL`);
    let apiKey: string | undefined;
    if (!agent.apiKeySecret) {
      // Also for agents saved before an own baseUrl required an own key: the server's key never leaves for another host.
      if (!this.isServerEndpoint(baseURL)) {
        throw new ProblemError('CONFLICT', `smart agent ${agent.name} has its own baseUrl but no apiKeySecret; the server-wide LLM key is only sent to OUTRIGGER_LLM_BASE_URL, so name a secret holding this endpoint's key`);
      }
      apiKey = this.deps.defaultApiKey;
    } else {
      apiKey = (await this.deps.secrets.reveal(workspaceId, [agent.apiKeySecret])).get(agent.apiKeySecret);
      if (apiKey === undefined) throw new ProblemError('CONFLICT', `secret ${agent.apiKeySecret} (apiKeySecret of smart agent ${agent.name}) does not exist`);
    }
    // Loaded on first use: the client library is sizeable and most servers never chat.
    const { default: OpenAIClient } = await import('openai');
    return new OpenAIClient({
      baseURL,
      // Local OpenAI-compatible servers often need no key; the client insists on one.
      apiKey: apiKey || 'none',
      maxRetries: 1,
      timeout: LLM_TIMEOUT_MS,
      fetch: undiciFetch as unknown as typeof globalThis.fetch,
      ...(agent.baseUrl ? { fetchOptions: { dispatcher: this.deps.guardedDispatcher } as never } : {}),
    });
  }

  /** Whether a base URL is the server-wide one (compared as parsed URLs, ignoring a trailing slash). */
  private isServerEndpoint(baseUrl: string): boolean {
    const norm = (u: string) => {
      try {
        return new URL(u).href.replace(/\/+$/, '');
      } catch {
        return undefined;
      }
    };
    const server = this.deps.defaultBaseUrl ? norm(this.deps.defaultBaseUrl) : undefined;
    return server !== undefined && norm(baseUrl) === server;
  }

  /** Runs the tool-calling loop until the model answers or the step limit is reached. */
  async chat(workspaceId: string, name: string, req: { messages: ChatMessage[]; ticketId?: string }): Promise<ChatResult> {
    const agent = (await this.store.get(workspaceId, name)).spec;
    const ticket = req.ticketId ? (await requireTicket(this.deps.tickets, workspaceId, req.ticketId)).ticket : undefined;
    const client = await this.client(workspaceId, agent);
    const tools = (await this.deps.tools.listResolved(workspaceId, { enabledOnly: true, names: agent.tools })).map(ToolsService.toOpenAi);
    const system = ticket ? `${agent.systemPrompt}\n\nThe conversation is about this ticket (JSON): ${JSON.stringify(ticket)}` : agent.systemPrompt;
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'system', content: system }, ...req.messages];
    const steps: ChatResult['steps'] = [];
    const usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    let sawUsage = false;
    for (;;) {
      let completion: OpenAI.Chat.ChatCompletion;
      try {
        completion = await client.chat.completions.create({
          model: agent.model, messages,
          ...(tools.length ? { tools, tool_choice: 'auto' as const } : {}),
          ...(agent.temperature !== null ? { temperature: agent.temperature } : {}),
        });
      } catch (err) {
        const status = (err as { status?: number }).status;
        throw new ProblemError('UPSTREAM_FAILED', `the model endpoint failed${status ? ` with HTTP ${status}` : ''}: ${(err as Error).message}`, { cause: err, extra: { steps } });
      }
      if (completion.usage) {
        sawUsage = true;
        usage.promptTokens += completion.usage.prompt_tokens;
        usage.completionTokens += completion.usage.completion_tokens;
        usage.totalTokens += completion.usage.total_tokens;
      }
      const msg = completion.choices?.[0]?.message;
      if (!msg) throw new ProblemError('UPSTREAM_FAILED', 'the model endpoint answered without a choice', { extra: { steps } });
      const calls = (msg.tool_calls ?? []).filter((c): c is OpenAI.Chat.ChatCompletionMessageFunctionToolCall => c.type === 'function');
      const done = (answer: string | null, stopReason: ChatResult['stopReason']): ChatResult => ({ answer, stopReason, steps, ...(sawUsage ? { usage } : {}) });
      if (!calls.length) return done(msg.content ?? '', 'stop');
      if (steps.length >= agent.maxSteps) return done(msg.content ?? null, 'maxSteps');
      messages.push({ role: 'assistant', content: msg.content ?? null, tool_calls: calls });
      // Parallel tool calls run concurrently; each result goes back to the model, errors included, so it can correct itself.
      const results = await Promise.all(calls.map((c) => this.runToolCall(workspaceId, agent, c, ticket?.id)));
      for (const r of results) messages.push({ role: 'tool', tool_call_id: r.id, content: JSON.stringify(r.error ? { error: r.error } : r.output ?? null) });
      steps.push({ toolCalls: results });
    }
  }

  private async runToolCall(workspaceId: string, agent: SmartAgent, call: OpenAI.Chat.ChatCompletionMessageFunctionToolCall, ticketId: string | undefined): Promise<ToolStep> {
    const base = { id: call.id, name: call.function.name };
    let args: unknown;
    try {
      args = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments);
    } catch (err) {
      return { ...base, arguments: call.function.arguments, executionId: null, error: { code: 'INVALID_ARGUMENTS', message: `the arguments are not valid JSON: ${(err as Error).message}` } };
    }
    const r: ToolCallResult = await this.deps.tools.call(workspaceId, call.function.name, args, { triggerRef: `agent:${agent.name}`, only: agent.tools, ...(ticketId ? { ticketId } : {}) });
    if (r.isError) return { ...base, arguments: args, executionId: r.executionId, error: { code: r.error.code, message: r.error.message } };
    return { ...base, arguments: args, executionId: r.executionId, output: r.output };
  }
}
