// AI tools (SPEC 3): executors exposed to models with a name, description and parameter schema; export and call.
import type { Db } from '../../store/index.js';
import { invalid, ProblemError, type FieldError } from '../../errors.js';
import type { ExecutorDefinition, InvokeService } from '../../executors/invoke.service.js';
import { schemaProblem, validateAgainst } from '../../util/json-schema.js';
import { LimitExceededError } from '../../util/evaluation-limits.js';
import { BindingStore } from '../bindings/binding-store.js';
import { dropStrictNulls, toStrictParameters } from './strict-schema.js';
import { referenceMetadata, requireTicket, type TicketPort, type TicketSnapshot } from '../ticket-port.js';
import { looksLikeInteraction, readInteraction, UnreadableInteraction } from '../agents/interaction.js';

export const TOOL_NAME_PATTERN = '^[a-zA-Z0-9_-]{1,64}$';

/** MCP tool annotations (hints for clients, never guarantees): what the tool does to the world it touches. */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface AiTool {
  name: string;
  executor: string;
  description: string | null;
  /** JSON Schema of the arguments; null means the executor's inputSchema. */
  parameters: Record<string, unknown> | null;
  /** Hints set on the binding; they win over the ones derived from the executor. Absent in tools saved before they existed. */
  annotations?: ToolAnnotations | null;
  enabled: boolean;
}

/** A tool with its effective description, parameter schema, annotations and output schema. */
export interface ResolvedTool extends AiTool {
  effectiveDescription: string;
  effectiveParameters: Record<string, unknown>;
  effectiveAnnotations: ToolAnnotations;
  /** The executor's outputSchema when it describes an object (MCP's outputSchema and structuredContent are objects). */
  outputSchema: Record<string, unknown> | null;
}

/**
 * Hints that follow from what the executor is (RFC 9110 method semantics for apiCall: GET is safe, PUT and DELETE are
 * idempotent, DELETE removes); nothing is claimed for code, whose effects cannot be told from its definition.
 */
export function derivedAnnotations(def: ExecutorDefinition | undefined): ToolAnnotations {
  const method = def?.apiCall?.method;
  if (!method) return {};
  // An apiCall always talks to a system outside Outrigger.
  if (method === 'GET') return { readOnlyHint: true, openWorldHint: true };
  const out: ToolAnnotations = { readOnlyHint: false, openWorldHint: true };
  if (method === 'PUT' || method === 'DELETE') out.idempotentHint = true;
  if (method === 'DELETE') out.destructiveHint = true;
  return out;
}

const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/**
 * A schema as MCP publishes it: 2020-12 is MCP's default dialect, so a `$schema` naming it says nothing and is left out
 * (clients that validate with a draft-07 engine, such as the TypeScript SDK's, would otherwise fail to compile it).
 */
function forMcp(schema: Record<string, unknown>): Record<string, unknown> {
  if (typeof schema.$schema !== 'string' || schema.$schema.replace(/#$/, '') !== JSON_SCHEMA_2020_12) return schema;
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

export type ToolCallResult =
  | { executionId: string; isError: false; output: unknown }
  | { executionId: string | null; isError: true; error: { code: string; message: string; errors?: FieldError[] } };

/** Parameters of an executor that has no inputSchema: any object. */
const ANY_OBJECT = { type: 'object', properties: {}, additionalProperties: true };

export class ToolsService {
  readonly store: BindingStore<AiTool>;

  constructor(private readonly db: Db, private readonly invoker: InvokeService, public tickets?: TicketPort) {
    this.store = new BindingStore<AiTool>(db, 'aiTool');
  }

  /** Applies defaults and checks the executor and the parameter schema (for create/replace). */
  async prepare(workspaceId: string, body: { name: string; executor: string; description?: string; parameters?: Record<string, unknown> | null; annotations?: ToolAnnotations | null; enabled?: boolean }): Promise<AiTool> {
    if (body.parameters) {
      const errors: FieldError[] = [];
      if (body.parameters.type !== 'object') errors.push({ field: '/parameters/type', message: 'must be "object" (tool arguments are an object)' });
      const problem = schemaProblem(body.parameters, workspaceId);
      if (problem) errors.push({ field: '/parameters', message: problem });
      if (errors.length) throw invalid(errors);
    }
    return { name: body.name, executor: body.executor, description: body.description ?? null, parameters: body.parameters ?? null, annotations: body.annotations ?? null, enabled: body.enabled ?? true };
  }

  private async resolve(workspaceId: string, tool: AiTool): Promise<ResolvedTool> {
    const def = await this.invoker.activeDefinition(workspaceId, tool.executor);
    const params = tool.parameters ?? def?.inputSchema ?? ANY_OBJECT;
    const out = def?.outputSchema;
    return {
      ...tool,
      annotations: tool.annotations ?? null,
      effectiveDescription: tool.description ?? def?.description ?? '',
      effectiveParameters: params.type === 'object' ? params : ANY_OBJECT,
      effectiveAnnotations: { ...derivedAnnotations(def), ...(tool.annotations ?? {}) },
      outputSchema: out && out.type === 'object' ? out : null,
    };
  }

  /** Every tool (or only the enabled ones) with effective description and parameters. */
  async listResolved(workspaceId: string, opts: { enabledOnly?: boolean; names?: string[] } = {}): Promise<ResolvedTool[]> {
    let tools = (await this.store.list(workspaceId)).map((s) => s.spec);
    if (opts.enabledOnly) tools = tools.filter((t) => t.enabled);
    if (opts.names) tools = tools.filter((t) => opts.names!.includes(t.name));
    return Promise.all(tools.map((t) => this.resolve(workspaceId, t)));
  }

  /** OpenAI function tools; strict when the schema can be made strict. */
  static toOpenAi(t: ResolvedTool) {
    const { parameters, strict } = toStrictParameters(t.effectiveParameters);
    return { type: 'function' as const, function: { name: t.name, description: t.effectiveDescription, parameters, strict } };
  }

  /** An MCP tool entry: input schema, output schema (then every result carries structuredContent) and annotations. */
  static toMcp(t: ResolvedTool) {
    const annotations = Object.keys(t.effectiveAnnotations).length ? { annotations: t.effectiveAnnotations } : {};
    return {
      name: t.name,
      description: t.effectiveDescription,
      inputSchema: forMcp(t.effectiveParameters) as { type: 'object'; [k: string]: unknown },
      ...(t.outputSchema ? { outputSchema: forMcp(t.outputSchema) as { type: 'object'; [k: string]: unknown } } : {}),
      ...annotations,
    };
  }

  /**
   * The arguments plus `_metadata`: ours (tool, ticket, customer) and the reference platform's fields, so its tools run
   * unchanged. Code executors only; left out when the executor's inputSchema closes its properties without naming `_metadata` (it would
   * refuse the run), and when the arguments carry their own `_metadata`.
   */
  private async withMetadata(workspaceId: string, tool: ResolvedTool, args: Record<string, unknown>, ticket: TicketSnapshot | undefined, channel: string | undefined): Promise<Record<string, unknown>> {
    if ('_metadata' in args) return args;
    const def = await this.invoker.activeDefinition(workspaceId, tool.executor);
    // Code only: an apiCall would send it on to its peripheral system (query string or body).
    if (def?.type !== 'code') return args;
    const schema = def.inputSchema;
    const props = schema?.properties;
    const named = !!props && typeof props === 'object' && '_metadata' in props;
    if (schema && schema.additionalProperties === false && !named) return args;
    const customer = ticket?.customer ?? null;
    return { ...args, _metadata: { tool: tool.name, ticket: ticket ?? null, customer, ...referenceMetadata(ticket, customer, channel ?? ticket?.channel ?? null) } };
  }

  /**
   * Calls a tool. Unknown or disabled tools and invalid arguments come back as errors with codes `NOT_FOUND`,
   * `TOOL_DISABLED`, `INVALID_ARGUMENTS` (no execution); executor failures carry the execution id and the invocation code.
   */
  async call(workspaceId: string, name: string, args: unknown, ref: { triggerRef?: string; only?: string[]; ticketId?: string; channel?: string } = {}): Promise<ToolCallResult> {
    const stored = await this.store.find(workspaceId, name);
    if (!stored || (ref.only && !ref.only.includes(name))) return { executionId: null, isError: true, error: { code: 'NOT_FOUND', message: `tool ${name} does not exist` } };
    if (!stored.spec.enabled) return { executionId: null, isError: true, error: { code: 'TOOL_DISABLED', message: `tool ${name} is disabled` } };
    const tool = await this.resolve(workspaceId, stored.spec);
    if (!args || typeof args !== 'object' || Array.isArray(args)) {
      return { executionId: null, isError: true, error: { code: 'INVALID_ARGUMENTS', message: 'the arguments must be a JSON object', errors: [{ field: '/', message: 'must be an object' }] } };
    }
    const cleaned = dropStrictNulls(tool.effectiveParameters, args);
    let errors;
    try {
      errors = validateAgainst(tool.effectiveParameters, cleaned, workspaceId);
    } catch (err) {
      // Arguments too large for the schema (or a schema saved before a limit was lowered): the tool's error, not a 500.
      return { executionId: null, isError: true, error: { code: err instanceof LimitExceededError ? 'LIMIT_EXCEEDED' : 'INVALID_ARGUMENTS', message: (err as Error).message } };
    }
    if (errors) return { executionId: null, isError: true, error: { code: 'INVALID_ARGUMENTS', message: `invalid arguments: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors } };
    let ticket: TicketSnapshot | undefined;
    if (ref.ticketId) {
      try {
        ticket = (await requireTicket(this.tickets, workspaceId, ref.ticketId)).ticket;
      } catch (err) {
        if (!(err instanceof ProblemError)) throw err;
        return { executionId: null, isError: true, error: { code: err.code, message: err.message } };
      }
    }
    const input = await this.withMetadata(workspaceId, tool, cleaned as Record<string, unknown>, ticket, ref.channel);
    try {
      const r = await this.invoker.invoke({ workspaceId, executorName: tool.executor, input, trigger: 'tool', triggerRef: ref.triggerRef ?? `tool:${name}` });
      if (r.status === 'ok' && looksLikeInteraction(r.output)) {
        try {
          readInteraction(r.output);
        } catch (err) {
          if (!(err instanceof UnreadableInteraction)) throw err;
          // A tool that meant to answer an interaction but wrote it wrongly has failed; a model must not read it as done.
          return { executionId: r.executionId, isError: true, error: { code: 'OUTPUT_INVALID', message: `the executor answered an interaction that cannot be read: ${err.message}` } };
        }
      }
      if (r.status === 'ok') return { executionId: r.executionId, isError: false, output: r.output };
      return { executionId: r.executionId, isError: true, error: { code: r.error!.code, message: r.error!.message } };
    } catch (err) {
      // A run that could not start (executor gone, sandbox unavailable) is still the tool's error for a model.
      const code = err instanceof ProblemError ? err.code : 'RUNTIME_ERROR';
      return { executionId: null, isError: true, error: { code, message: (err as Error).message } };
    }
  }
}
