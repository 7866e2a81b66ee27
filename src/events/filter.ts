// Hook filters: JSON Logic (the maintained json-logic-js interpreter, no eval) over {type, subject, data}.
import jsonLogic from 'json-logic-js';

// `method` calls arbitrary methods of values (`"x".constructor.constructor` is Function): code execution
// from a stored filter. Removing it leaves only pure operators.
jsonLogic.rm_operation('method');

/** Why a filter cannot be used (unknown operator, not an object), or undefined when it is valid. */
export function filterProblem(filter: unknown): string | undefined {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) return 'must be a JSON Logic object, e.g. {"==": [{"var": "data.channel"}, "email"]}';
  if (!jsonLogic.is_logic(filter)) return 'is not JSON Logic (an object with exactly one operator key)';
  try {
    // Unknown operators only surface when applied; nothing here has side effects.
    jsonLogic.apply(filter as jsonLogic.RulesLogic, { type: 'TicketCreated', subject: null, data: {} });
  } catch (err) {
    return `is not valid JSON Logic: ${(err as Error).message}`;
  }
  return undefined;
}

/** Evaluates a filter; throws when the filter fails on this event (reported as a failed delivery). */
export function filterMatches(filter: unknown, event: { type: string; subject: string | null; data: unknown }): boolean {
  if (filter === null || filter === undefined) return true;
  return jsonLogic.truthy(jsonLogic.apply(filter as jsonLogic.RulesLogic, event));
}
