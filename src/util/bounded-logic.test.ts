// The operator set of the shared JSON Logic evaluator: no operator with a side effect, and none that calls a value.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { evaluateLogic, logicProblem } from './bounded-logic.js';

describe('bounded JSON Logic', () => {
  afterEach(() => vi.restoreAllMocks());

  it('has no `log`: a rule cannot write into the server output', () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(logicProblem({ log: 'hello' }, {})).toMatch(/^is not valid JSON Logic: .*log/);
    expect(() => evaluateLogic({ log: { var: 'data' } }, { data: 'x' })).toThrow(/log/);
    expect(out).not.toHaveBeenCalled();
  });

  it('has no `method` (json-logic-js 1.x called methods of values with it)', () => {
    expect(logicProblem({ method: ['abc', 'toUpperCase'] }, {})).toMatch(/^is not valid JSON Logic: .*method/);
  });

  it('reads an inherited property as a value without calling it', () => {
    // "constructor.constructor" is Function: a value here, and no operator applies it to arguments.
    expect(typeof evaluateLogic({ var: 'data.constructor.constructor' }, { data: {} })).toBe('function');
    expect(evaluateLogic({ in: ['x', { var: 'data.constructor' }] }, { data: {} })).toBe(false);
    expect(evaluateLogic({ cat: ['a', { var: 'data.x' }] }, { data: { x: 1 } })).toBe('a1');
  });
});
