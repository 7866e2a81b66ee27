// Customer recognition (SPEC 3): sources per search kind, concurrent search with per-source time-outs, merge, cache, link.
import { createHash } from 'node:crypto';
import type { Db } from '../../store/index.js';
import { invalid, ProblemError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { InvokeService } from '../../executors/invoke.service.js';
import { validateAgainst } from '../../util/json-schema.js';
import { BindingStore } from '../bindings/binding-store.js';
import { requireTicket, type TicketPort } from '../ticket-port.js';
import { CUSTOMER_LIST_SCHEMA, type Customer, type MergedCustomer } from './customer-schema.js';
import { bestMatch, mergeAnswers, normaliseQuery, type SourceAnswer } from './merge.js';
import { clearCache, readCache, writeCache } from './recognition-cache.repository.js';
import { fromReferenceAnswer, REFERENCE_FORMAT_KINDS, ReferenceAnswerError, referenceSourceInput } from './reference-format.js';

export const SEARCH_KINDS = ['contractNumber', 'customerNumber', 'attributes', 'freeText'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];
export const DEFAULT_SOURCE_TIMEOUT_MS = 5_000;
export const DEFAULT_SOURCE_PRIORITY = 100;

export interface RecognitionSource {
  name: string;
  kind: SearchKind;
  executor: string;
  /** Smaller is more important: its fields win when answers are merged, and it ranks first among equal scores. */
  priority: number;
  timeoutMs: number;
  /** `reference`: the executor was written for the reference platform ({contractId} in, one contract out). Absent means ours. */
  format?: 'outrigger' | 'reference';
}

export interface SourceReport {
  name: string;
  status: 'ok' | 'error' | 'timeout';
  durationMs: number;
  executionId: string;
  found?: number;
  error?: { code: string; message: string };
}

export interface SearchResult {
  customers: MergedCustomer[];
  sources: SourceReport[];
  cached: boolean;
  linked?: { ticketId: string; customerNumber: string; contractNumber?: string } | null;
}

export interface SearchRequest {
  kind: SearchKind;
  query: string | Record<string, unknown>;
  ticketId?: string;
  noCache?: boolean;
}

export interface RecognitionDeps {
  db: Db;
  invoker: InvokeService;
  /** Cache lifetime; 0 turns the cache off. */
  cacheTtlMs: number;
  tickets?: TicketPort;
}

/** The executor input for a query of a kind: `{contractNumber}`, `{customerNumber}`, the attributes themselves, or `{q}`. */
export function sourceInput(kind: SearchKind, query: string | Record<string, unknown>): Record<string, unknown> {
  if (kind === 'attributes') return { ...(query as Record<string, unknown>) };
  const q = (query as string).trim();
  return kind === 'freeText' ? { q } : { [kind]: q };
}

export class RecognitionService {
  readonly sources: BindingStore<RecognitionSource>;
  /** Injectable clock for the cache (tests move time forward instead of sleeping). */
  clock: () => number = Date.now;

  constructor(private readonly deps: RecognitionDeps) {
    this.sources = new BindingStore<RecognitionSource>(deps.db, 'recognitionSource');
    // Any change of the sources may change any answer: drop the workspace's whole cache.
    this.sources.onChange(async (ws) => { await clearCache(deps.db, ws); });
  }

  set tickets(port: TicketPort | undefined) {
    this.deps.tickets = port;
  }

  /** Applies defaults (for create/replace); the store checks the executor exists when it writes. */
  async prepareSource(_workspaceId: string, body: Partial<RecognitionSource> & { name: string; kind: SearchKind; executor: string }): Promise<RecognitionSource> {
    if (body.format === 'reference' && !(REFERENCE_FORMAT_KINDS as readonly string[]).includes(body.kind)) {
      throw invalid([{ field: '/format', message: `reference is available for kind ${REFERENCE_FORMAT_KINDS.join(' or ')} only (the reference platform's attribute and free-text searches answer ids, not customers)` }]);
    }
    return {
      name: body.name, kind: body.kind, executor: body.executor, priority: body.priority ?? DEFAULT_SOURCE_PRIORITY, timeoutMs: body.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS,
      ...(body.format === 'reference' ? { format: 'reference' as const } : {}),
    };
  }

  async clearCache(workspaceId: string): Promise<number> {
    return clearCache(this.deps.db, workspaceId);
  }

  /** Searches every source of the kind concurrently and merges the answers (or answers from the cache). */
  async search(workspaceId: string, req: SearchRequest): Promise<SearchResult> {
    const isText = typeof req.query === 'string';
    if (req.kind === 'attributes' ? isText : !isText) {
      throw new ProblemError('VALIDATION_FAILED', req.kind === 'attributes' ? 'an attributes search takes an object of attributes as query' : `a ${req.kind} search takes a string as query`,
        { errors: [{ field: '/query', message: req.kind === 'attributes' ? 'must be an object' : 'must be a string' }] });
    }
    const normalised = normaliseQuery(req.query);
    if (normalised === '""' || normalised === '{}') throw new ProblemError('VALIDATION_FAILED', 'the query is empty', { errors: [{ field: '/query', message: 'must not be empty' }] });
    const ticket = req.ticketId ? await requireTicket(this.deps.tickets, workspaceId, req.ticketId) : undefined;

    const key = createHash('sha256').update(`${req.kind}\n${normalised}`).digest('hex');
    const ttl = this.deps.cacheTtlMs;
    let result: SearchResult | undefined;
    if (ttl > 0 && !req.noCache) {
      const hit = await readCache(this.deps.db, workspaceId, key, this.clock());
      if (hit) result = { ...(JSON.parse(hit) as Omit<SearchResult, 'cached'>), cached: true };
    }
    if (!result) {
      result = await this.runSources(workspaceId, req);
      // Partial answers are not cached: the failing source should get its next chance on the next search.
      if (ttl > 0 && result.sources.length && result.sources.every((s) => s.status === 'ok')) {
        const now = this.clock();
        await writeCache(this.deps.db, workspaceId, key, JSON.stringify({ customers: result.customers, sources: result.sources }), now + ttl, now);
      }
    }
    if (ticket) {
      const best = bestMatch(result.customers);
      if (best) {
        const contract = (req.kind === 'contractNumber' ? best.contracts.find((k) => k.contractNumber.toLowerCase() === (req.query as string).trim().toLowerCase()) : undefined)
          ?? (best.contracts.length === 1 ? best.contracts[0] : undefined);
        result.linked = await this.link(workspaceId, { ticketId: ticket.ticket.id, customerNumber: best.customerNumber, contractNumber: contract?.contractNumber });
      } else {
        result.linked = null;
      }
    }
    return result;
  }

  /** Links a customer (and contract) to a ticket through the ticket port. */
  async link(workspaceId: string, link: { ticketId: string; customerNumber: string; contractNumber?: string }): Promise<{ ticketId: string; customerNumber: string; contractNumber?: string }> {
    const { port } = await requireTicket(this.deps.tickets, workspaceId, link.ticketId);
    const out = { ticketId: link.ticketId, customerNumber: link.customerNumber, ...(link.contractNumber ? { contractNumber: link.contractNumber } : {}) };
    await port.linkCustomer(workspaceId, link.ticketId, { customerNumber: out.customerNumber, ...(out.contractNumber ? { contractNumber: out.contractNumber } : {}) });
    return out;
  }

  private async runSources(workspaceId: string, req: SearchRequest): Promise<SearchResult> {
    const sources = (await this.sources.list(workspaceId)).map((s) => s.spec).filter((s) => s.kind === req.kind)
      .sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : 1));
    const input = sourceInput(req.kind, req.query);
    const inputOf = (s: RecognitionSource) => (s.format === 'reference' ? referenceSourceInput(req.kind as 'contractNumber', (req.query as string).trim()) : input);
    const outcomes = await Promise.all(sources.map((s) => this.runSource(workspaceId, s, inputOf(s))));
    const answers: SourceAnswer[] = [];
    outcomes.forEach((o, i) => { if (o.customers) answers.push({ source: sources[i]!.name, priority: sources[i]!.priority, customers: o.customers }); });
    return { customers: mergeAnswers(answers), sources: outcomes.map((o) => o.report), cached: false };
  }

  /** One source, bounded by its own time-out; every failure becomes this source's error, never the caller's. */
  private async runSource(workspaceId: string, source: RecognitionSource, input: Record<string, unknown>): Promise<{ report: SourceReport; customers?: Customer[] }> {
    const executionId = newId('exe');
    const t0 = performance.now();
    const elapsed = () => Math.round((performance.now() - t0) * 100) / 100;
    const base = { name: source.name, executionId };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), source.timeoutMs); });
    const run = this.deps.invoker.invoke({ workspaceId, executorName: source.executor, input, trigger: 'customerRecognition', triggerRef: `source:${source.name}`, executionId });
    // The run goes on after a time-out (its execution record is still written); its late failure must not go unhandled.
    run.catch(() => undefined);
    try {
      const r = await Promise.race([run, timedOut]);
      if (r === 'timeout') return { report: { ...base, status: 'timeout', durationMs: elapsed(), error: { code: 'TIMEOUT', message: `source ${source.name} did not answer within ${source.timeoutMs} ms` } } };
      if (r.status === 'error') return { report: { ...base, status: 'error', durationMs: elapsed(), error: { code: r.error!.code, message: r.error!.message } } };
      let output = r.output;
      if (source.format === 'reference') {
        try {
          output = { customers: fromReferenceAnswer(source.kind as 'contractNumber', r.output) };
        } catch (err) {
          if (!(err instanceof ReferenceAnswerError)) throw err;
          return { report: { ...base, status: 'error', durationMs: elapsed(), error: { code: 'OUTPUT_INVALID', message: `the answer is not a reference ${source.kind === 'contractNumber' ? 'contract' : 'customer'}: ${err.message}` } } };
        }
      }
      const errors = validateAgainst(CUSTOMER_LIST_SCHEMA, output);
      if (errors) {
        const shown = errors.slice(0, 5).map((e) => `${e.field} ${e.message}`).join('; ');
        return { report: { ...base, status: 'error', durationMs: elapsed(), error: { code: 'OUTPUT_INVALID', message: `the answer is not a customer list: ${shown}${errors.length > 5 ? ` (and ${errors.length - 5} more)` : ''}` } } };
      }
      const customers = (output as { customers: Customer[] }).customers;
      return { report: { ...base, status: 'ok', durationMs: elapsed(), found: customers.length }, customers };
    } catch (err) {
      const code = err instanceof ProblemError ? err.code : 'RUNTIME_ERROR';
      return { report: { ...base, status: 'error', durationMs: elapsed(), error: { code, message: (err as Error).message } } };
    } finally {
      clearTimeout(timer);
    }
  }
}
