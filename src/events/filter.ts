// Hook filters: JSON Logic over {type, subject, data}, through the shared bounded evaluator (util/bounded-logic.ts: pure operators, an operation budget).
import { evaluateLogic, isLogic, logicProblem, logicTruthy, type LogicSession } from '../util/bounded-logic.js';

export { LogicSession } from '../util/bounded-logic.js';

/** Why a filter cannot be used (unknown operator, not an object, over a limit), or undefined when it is valid. */
export function filterProblem(filter: unknown): string | undefined {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) return 'must be a JSON Logic object, e.g. {"==": [{"var": "data.channel"}, "email"]}';
  if (!isLogic(filter)) return 'is not JSON Logic (an object with exactly one operator key)';
  return logicProblem(filter, { type: 'TicketCreated', subject: null, data: {} });
}

/** Evaluates a filter; throws when the filter fails on this event or exceeds its budget (reported as a failed delivery). */
export function filterMatches(filter: unknown, event: { type: string; subject: string | null; data: unknown }, session?: LogicSession): boolean {
  if (filter === null || filter === undefined) return true;
  return logicTruthy(evaluateLogic(filter, event, session));
}
