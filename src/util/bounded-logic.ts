// The one JSON Logic evaluator of hook filters and agent rules: json-logic-js with size/depth limits and an operation budget.
import jsonLogic from 'json-logic-js';
import { evaluationLimits, LimitExceededError } from './evaluation-limits.js';

// What a stored rule can do (json-logic-js 2.0.5, checked in its logic.js): its operators compare, compute and read
// the data; none calls a function taken from the data (the `method` operation of 1.x, which did, was dropped in 2.0),
// so there is no code execution to remove. `var` walks any property path, inherited ones too ("constructor" gives a
// function value), but nothing can call what it reads. The one side effect left is `log` (console.log of its operand):
// removed, so that a tenant's rule cannot write into the server's output. Hook filters (events/filter.ts) and agent
// rules (points/agents) both evaluate through this module, so both get this operator set and the budget below.
jsonLogic.rm_operation('log');

interface Budget {
  ops: number;
  maxOps: number;
  maxLength: number;
  /** What to say when maxOps is reached. */
  exceeded: string;
}

/** The budget of the evaluation in progress (evaluation is synchronous, so one slot is enough). */
let budget: Budget | null = null;

// json-logic-js recurses through `jsonLogic.apply` for every operand and every item of map/filter/reduce/all/some/none:
// counting those calls bounds the work of one evaluation, whatever the nesting (nested `map`s multiply otherwise).
const rawApply = jsonLogic.apply.bind(jsonLogic);
jsonLogic.apply = ((logic: jsonLogic.RulesLogic, data?: unknown) => {
  if (budget && ++budget.ops > budget.maxOps) throw new LimitExceededError(budget.exceeded);
  return rawApply(logic, data);
}) as typeof jsonLogic.apply;

function checkLength(op: string, length: number): void {
  if (budget && length > budget.maxLength) throw new LimitExceededError(`${op} would produce ${length} items or characters (at most ${budget.maxLength})`);
}

// The operators that can grow a value faster than the operation count (a `reduce` of `cat`s doubles per step).
jsonLogic.add_operation('cat', (...args: unknown[]) => {
  checkLength('cat', args.reduce<number>((n, a) => n + String(a).length, 0));
  return args.reduce<string>((a, b) => a + String(b), '');
});
jsonLogic.add_operation('merge', (...args: unknown[]) => {
  checkLength('merge', args.reduce<number>((n, a) => n + (Array.isArray(a) ? a.length : 1), 0));
  return args.reduce<unknown[]>((a, b) => a.concat(b), []);
});

function depthOf(v: unknown, max: number, depth = 0): number {
  if (v === null || typeof v !== 'object' || depth > max) return depth;
  let deepest = depth;
  for (const x of Object.values(v)) deepest = Math.max(deepest, depthOf(x, max, depth + 1));
  return deepest;
}

/**
 * The operations left to all evaluations of one request: a batch of 1,000 events each running a filter to its own
 * budget would otherwise still block the loop for seconds.
 */
export class LogicSession {
  used = 0;
  constructor(readonly maxOps: number = evaluationLimits().logicMaxOperationsPerRequest) {}
}

/** Evaluates a rule against data within the operation budget (and the session's); throws LimitExceededError past it. */
export function evaluateLogic(rule: unknown, data: unknown, session?: LogicSession): unknown {
  const limits = evaluationLimits();
  const left = session ? session.maxOps - session.used : Infinity;
  if (left <= 0) throw new LimitExceededError(`the rules evaluated for this request used up their ${session!.maxOps} operations`);
  const outer = budget;
  const own: Budget = left < limits.logicMaxOperations
    ? { ops: 0, maxOps: left, maxLength: limits.logicMaxResultLength, exceeded: `the rules evaluated for this request used up their ${session!.maxOps} operations` }
    : { ops: 0, maxOps: limits.logicMaxOperations, maxLength: limits.logicMaxResultLength, exceeded: `the evaluation needs more than ${limits.logicMaxOperations} operations` };
  budget = own;
  try {
    return jsonLogic.apply(rule as jsonLogic.RulesLogic, data);
  } finally {
    budget = outer;
    if (session) session.used += own.ops;
  }
}

/** JSON Logic truthiness (empty arrays are false). */
export function logicTruthy(value: unknown): boolean {
  return jsonLogic.truthy(value);
}

/** Whether a value is a JSON Logic object (exactly one operator key). */
export function isLogic(value: unknown): boolean {
  return jsonLogic.is_logic(value);
}

/**
 * Why a rule cannot be saved: too large, too deep, or failing (unknown operator, over budget) on a sample of the data
 * it will see. Undefined when it is fine.
 */
export function logicProblem(rule: unknown, sample: unknown): string | undefined {
  const limits = evaluationLimits();
  const size = Buffer.byteLength(JSON.stringify(rule) ?? '');
  if (size > limits.logicMaxBytes) return `exceeds a limit: is larger than ${limits.logicMaxBytes} bytes`;
  if (depthOf(rule, limits.logicMaxDepth) > limits.logicMaxDepth) return `exceeds a limit: is nested deeper than ${limits.logicMaxDepth} levels`;
  try {
    // Unknown operators only surface when applied; nothing here has side effects.
    evaluateLogic(rule, sample);
  } catch (err) {
    if (err instanceof LimitExceededError) return `exceeds a limit: ${err.message}`;
    return `is not valid JSON Logic: ${(err as Error).message}`;
  }
  return undefined;
}
