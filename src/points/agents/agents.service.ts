// Rule-based agents (SPEC 3): validate data, evaluate rules, run the action executor (with human-in-the-loop decisions), reply.
import type { Db } from '../../store/index.js';
import { ProblemError } from '../../errors.js';
import type { InvokeService } from '../../executors/invoke.service.js';
import { validateAgainst } from '../../util/json-schema.js';
import { BindingStore } from '../bindings/binding-store.js';
import { referenceMetadata, requireTicket, type TicketPort, type TicketSnapshot } from '../ticket-port.js';
import { normalizeAgent, type Agent } from './agent-definition.js';
import { renderText } from './templates.js';
import { readInteraction, UnreadableInteraction, type Interaction } from './interaction.js';
import { evaluateLogic, logicTruthy, LogicSession } from '../../util/bounded-logic.js';
import { LimitExceededError } from '../../util/evaluation-limits.js';

export type { Interaction } from './interaction.js';

export interface AgentRunRequest {
  data: Record<string, unknown>;
  ticketId?: string;
  /** The chosen option of an earlier `needsDecision`. */
  _action?: string | null;
  /** The customer, when the caller knows it and there is no ticket (a ticket's linked customer is used otherwise). */
  customer?: Record<string, unknown> | null;
  channel?: string;
}

export interface AgentRunResult {
  status: 'executed' | 'rejected' | 'handoff' | 'needsDecision' | 'failed';
  message: string;
  executionId: string | null;
  /** The rule that decided (name or `#index`), absent when no rule matched. */
  rule?: string;
  interaction?: Interaction;
  /** The option the agent chose on its own (mayDecideAlone). */
  decidedAlone?: string;
  error?: { code: string; message: string };
  /** Whether the message was posted to the ticket. */
  replied: boolean;
}

const PATH = /^(data|customer|ticket)((?:\.[A-Za-z0-9_-]+)+)$/;

function lookup(root: Record<string, unknown>, path: string): unknown {
  let cur: unknown = root;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    if (!cur[p] || typeof cur[p] !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = value;
}

export class AgentsService {
  readonly store: BindingStore<Agent>;

  constructor(private readonly db: Db, private readonly invoker: InvokeService, public tickets?: TicketPort) {
    this.store = new BindingStore<Agent>(db, 'agent');
    // One agent per intent: autoexecute picks the agent by the ticket's intent.
    this.store.uniqueField('intent', (clash) => new ProblemError('CONFLICT', `agent ${clash.name} already handles intent ${clash.intent}`, { errors: [{ field: '/intent', message: `is handled by agent ${clash.name}` }] }));
  }

  /** Normalises an agent; the store checks, when it writes, that its executor exists and its intent is not taken. */
  async prepare(_workspaceId: string, body: unknown): Promise<Agent> {
    return normalizeAgent(body);
  }

  /** Runs an agent by name. */
  async run(workspaceId: string, name: string, req: AgentRunRequest): Promise<AgentRunResult> {
    const agent = (await this.store.get(workspaceId, name)).spec;
    const ticket = req.ticketId ? (await requireTicket(this.tickets, workspaceId, req.ticketId)).ticket : undefined;
    return this.runAgent(workspaceId, agent, req, ticket);
  }

  /** Runs the agent given by name, or the one registered for the ticket's intent, on a ticket (its extracted data plus `data`). */
  async autoexecute(workspaceId: string, ticketId: string, opts: { agent?: string; data?: Record<string, unknown>; _action?: string | null }): Promise<AgentRunResult & { agent: string }> {
    const { ticket } = await requireTicket(this.tickets, workspaceId, ticketId);
    let agent: Agent;
    if (opts.agent) {
      agent = (await this.store.get(workspaceId, opts.agent)).spec;
    } else {
      if (!ticket.intent) throw new ProblemError('VALIDATION_FAILED', `ticket ${ticketId} has no intent; name the agent with ?agent=`, { errors: [{ field: 'query:agent', message: 'is required when the ticket has no intent' }] });
      const found = (await this.store.list(workspaceId)).find((a) => a.spec.intent === ticket.intent);
      if (!found) throw new ProblemError('NOT_FOUND', `no agent is registered for intent ${ticket.intent}`);
      agent = found.spec;
    }
    const data = { ...(ticket.data ?? {}), ...(opts.data ?? {}) };
    return { agent: agent.name, ...(await this.runAgent(workspaceId, agent, { data, ticketId, _action: opts._action }, ticket)) };
  }

  private async runAgent(workspaceId: string, agent: Agent, req: AgentRunRequest, ticket: TicketSnapshot | undefined): Promise<AgentRunResult> {
    let errors;
    try {
      errors = validateAgainst(agent.dataSchema, req.data, workspaceId);
    } catch (err) {
      if (!(err instanceof LimitExceededError)) throw err;
      throw new ProblemError('VALIDATION_FAILED', `the data cannot be checked against agent ${agent.name}'s dataSchema: ${err.message}`, { errors: [{ field: '/data', message: err.message }] });
    }
    if (errors) {
      const fields = errors.map((e) => ({ field: `/data${e.field === '/' ? '' : e.field}`, message: e.message }));
      throw new ProblemError('VALIDATION_FAILED', `the data does not match agent ${agent.name}'s dataSchema: ${fields.map((e) => `${e.field} ${e.message}`).join('; ')}`, { errors: fields });
    }
    const customer = req.customer ?? ticket?.customer ?? null;
    const view: Record<string, unknown> = { data: req.data, customer, ticket: ticket ?? null };
    const finish = async (result: Omit<AgentRunResult, 'replied' | 'message'> & { message: string | (() => string) }): Promise<AgentRunResult> => {
      let r: Omit<AgentRunResult, 'replied'>;
      try {
        r = { ...result, message: typeof result.message === 'function' ? result.message() : result.message };
      } catch (err) {
        // A template that would grow past its bounds (a section over a huge array) fails the run; nothing is posted.
        if (!(err instanceof LimitExceededError)) throw err;
        return { ...result, status: 'failed', message: '', error: { code: 'LIMIT_EXCEEDED', message: `the message template of agent ${agent.name} exceeds a limit: ${err.message}` }, replied: false };
      }
      // Decisions and hand-offs are for a human; everything else is the answer to the customer.
      const post = ticket && (r.status === 'executed' || r.status === 'rejected' || r.status === 'failed') && r.message.trim() !== '';
      if (post) await this.tickets!.addReply(workspaceId, ticket.id, { body: r.message, author: `agent:${agent.name}` });
      return { ...r, replied: !!post };
    };

    // Rules: the first that matches decides; no match means execute (rules are guards in front of the action).
    // Up to 200 rules share one budget per run.
    const rulesBudget = new LogicSession();
    for (const [i, rule] of agent.rules.entries()) {
      let matched: boolean;
      try {
        matched = logicTruthy(evaluateLogic(rule.when, view, rulesBudget));
      } catch (err) {
        const error = { code: 'RULE_ERROR', message: `rule ${rule.name ?? `#${i}`} could not be evaluated: ${(err as Error).message}` };
        return finish({ status: 'failed', message: () => renderText(agent.templates.failure, { ...view, error }), executionId: null, rule: rule.name ?? `#${i}`, error });
      }
      if (!matched) continue;
      const ruleName = rule.name ?? `#${i}`;
      if (rule.then === 'execute') break;
      const fallback = rule.then === 'reject' ? 'This request cannot be processed.' : 'A colleague will take care of this request.';
      return finish({ status: rule.then === 'reject' ? 'rejected' : 'handoff', message: () => renderText(rule.message ?? fallback, view), executionId: null, rule: ruleName });
    }

    const input: Record<string, unknown> = {};
    if (agent.inputMapping) {
      for (const [target, source] of Object.entries(agent.inputMapping)) {
        let value: unknown = source;
        try {
          if (typeof source === 'string') value = PATH.test(source) ? lookup(view, source) : source.includes('{{') ? renderText(source, view) : source;
        } catch (err) {
          if (!(err instanceof LimitExceededError)) throw err;
          const error = { code: 'LIMIT_EXCEEDED', message: `the input mapping ${target} of agent ${agent.name} exceeds a limit: ${err.message}` };
          return finish({ status: 'failed', message: '', executionId: null, error });
        }
        if (value !== undefined) setPath(input, target, value);
      }
    } else {
      Object.assign(input, req.data);
    }
    const channel = req.channel ?? ticket?.channel ?? 'api';
    // Ours (agent, ticket, customer, channel) and the reference platform's fields, so its executors run unchanged.
    const metadata = { agent: agent.name, ticket: ticket ?? null, customer, ...referenceMetadata(ticket, customer as { contractNumber?: unknown } | null, channel) };

    let action = req._action ?? null;
    let decidedAlone: string | undefined;
    for (;;) {
      let r;
      try {
        r = await this.invoker.invoke({ workspaceId, executorName: agent.executor, input: { ...input, _metadata: metadata, _action: action }, trigger: 'agent', triggerRef: `agent:${agent.name}` });
      } catch (err) {
        const error = { code: err instanceof ProblemError ? err.code : 'RUNTIME_ERROR', message: (err as Error).message };
        return finish({ status: 'failed', message: () => renderText(agent.templates.failure, { ...view, error }), executionId: null, error });
      }
      if (r.status === 'error') {
        const error = { code: r.error!.code, message: r.error!.message };
        return finish({ status: 'failed', message: () => renderText(agent.templates.failure, { ...view, error }), executionId: r.executionId, error, ...(decidedAlone ? { decidedAlone } : {}) });
      }
      let interaction: Interaction | undefined;
      try {
        interaction = readInteraction(r.output);
      } catch (err) {
        if (!(err instanceof UnreadableInteraction)) throw err;
        // Never `executed`: the executor meant to ask, and nobody would be asked.
        const error = { code: 'OUTPUT_INVALID', message: `the executor answered an interaction that cannot be read: ${err.message}` };
        return finish({ status: 'failed', message: () => renderText(agent.templates.failure, { ...view, error }), executionId: r.executionId, error, ...(decidedAlone ? { decidedAlone } : {}) });
      }
      if (interaction) {
        const recommended = interaction.options.find((o) => o.recommended);
        // The agent decides alone at most once per request, so an executor that keeps asking cannot loop.
        if (agent.mayDecideAlone && recommended && !decidedAlone) {
          decidedAlone = recommended.action;
          action = recommended.action;
          continue;
        }
        const message = interaction.infos.map((x) => x.message).join('\n') || `Please choose: ${interaction.options.map((o) => o.label ?? o.action).join(' or ')}.`;
        return finish({ status: 'needsDecision', message, executionId: r.executionId, interaction, ...(decidedAlone ? { decidedAlone } : {}) });
      }
      return finish({ status: 'executed', message: () => renderText(agent.templates.success, { ...view, output: r.output, action }), executionId: r.executionId, ...(decidedAlone ? { decidedAlone } : {}) });
    }
  }
}
