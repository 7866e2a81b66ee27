// Merging the answers of several recognition sources: dedupe by customer and contract number, merge fields by priority, rank.
import type { Contract, Customer, MergedCustomer } from './customer-schema.js';

export interface SourceAnswer {
  source: string;
  priority: number;
  customers: Customer[];
}

const absent = (v: unknown) => v === undefined || v === null;

/** Copies the fields of `from` that `into` lacks; `into` came from a more important source, so its values win. */
function fillMissing(into: Record<string, unknown>, from: Record<string, unknown>, skip: Set<string>): void {
  for (const [k, v] of Object.entries(from)) if (!skip.has(k) && absent(into[k]) && !absent(v)) into[k] = v;
}

const CUSTOMER_SKIP = new Set(['contracts', 'score', 'customerNumber']);
const CONTRACT_SKIP = new Set(['contractNumber']);

interface Acc {
  customer: Record<string, unknown>;
  contracts: Map<string, Contract>;
  score: number | null;
  matchedBy: string[];
  bestPriority: number;
  order: number;
}

/**
 * Merges source answers. Answers must be given most important first (ascending priority): for each field the first
 * non-null value wins. Ranking: highest score (missing counts as 0), then the most important source, then the number
 * of sources that found the customer, then first appearance.
 */
export function mergeAnswers(answers: SourceAnswer[]): MergedCustomer[] {
  const byNumber = new Map<string, Acc>();
  for (const a of answers) {
    for (const c of a.customers) {
      const key = c.customerNumber.trim();
      let acc = byNumber.get(key);
      if (!acc) {
        acc = { customer: { customerNumber: key }, contracts: new Map(), score: null, matchedBy: [], bestPriority: a.priority, order: byNumber.size };
        byNumber.set(key, acc);
      }
      fillMissing(acc.customer, c, CUSTOMER_SKIP);
      if (typeof c.score === 'number') acc.score = acc.score === null ? c.score : Math.max(acc.score, c.score);
      if (!acc.matchedBy.includes(a.source)) acc.matchedBy.push(a.source);
      acc.bestPriority = Math.min(acc.bestPriority, a.priority);
      for (const k of c.contracts) {
        const kn = k.contractNumber.trim();
        const existing = acc.contracts.get(kn);
        if (existing) fillMissing(existing, k, CONTRACT_SKIP);
        else acc.contracts.set(kn, { ...dropNulls(k), contractNumber: kn });
      }
    }
  }
  const ranked = [...byNumber.values()].sort((x, y) =>
    (y.score ?? 0) - (x.score ?? 0) || x.bestPriority - y.bestPriority || y.matchedBy.length - x.matchedBy.length || x.order - y.order);
  return ranked.map((acc) => ({
    ...(acc.customer as { customerNumber: string; name: string }),
    contracts: [...acc.contracts.values()],
    ...(acc.score !== null ? { score: acc.score } : {}),
    matchedBy: acc.matchedBy,
  }));
}

function dropNulls<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as T;
}

/** The one best match, when there is exactly one customer or the first one scores strictly higher than the second. */
export function bestMatch(customers: MergedCustomer[]): MergedCustomer | undefined {
  if (customers.length === 1) return customers[0];
  const [a, b] = customers;
  if (a && b && (a.score ?? 0) > (b.score ?? 0)) return a;
  return undefined;
}

/** The cache key part of a query: trimmed, lower-cased, whitespace collapsed; attribute objects with sorted keys. */
export function normaliseQuery(query: unknown): string {
  const norm = (v: unknown): unknown => {
    if (typeof v === 'string') return v.trim().toLowerCase().replace(/\s+/g, ' ');
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).filter(([, x]) => !absent(x) && x !== '').sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)).map(([k, x]) => [k, norm(x)]));
    }
    return v;
  };
  return JSON.stringify(norm(query));
}
