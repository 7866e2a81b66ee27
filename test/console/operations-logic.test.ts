// Logic of the operations pages without a browser: the dashboard's gap filling, the time-range query, the storage JSON.
import { describe, expect, it } from 'vitest';
import { fillBuckets } from '../../console/src/lib/buckets.js';
import { rangeParams } from '../../console/src/lib/time-range.js';
import { parseJsonValue } from '../../console/src/lib/json-value.js';

const MIN = 60_000;

describe('dashboard buckets', () => {
  it('lists every slot of the window, oldest first, with zeros where the server had no row', () => {
    const end = Date.parse('2026-12-02T14:30:42Z');
    const r = fillBuckets([{ at: '2026-12-02T14:28:00.000Z', invocations: 5, errors: 2 }, { at: '2026-12-02T14:30:00.000Z', invocations: 1, errors: 0 }], end, MIN, 4);
    expect(r.times).toEqual([Date.parse('2026-12-02T14:27:00Z') / 1000, Date.parse('2026-12-02T14:28:00Z') / 1000, Date.parse('2026-12-02T14:29:00Z') / 1000, Date.parse('2026-12-02T14:30:00Z') / 1000]);
    expect(r.invocations).toEqual([0, 5, 0, 1]);
    expect(r.errors).toEqual([0, 2, 0, 0]);
  });
  it('drops rows outside the window', () => {
    const r = fillBuckets([{ at: '2026-12-02T10:00:00.000Z', invocations: 9, errors: 9 }], Date.parse('2026-12-02T14:30:00Z'), MIN, 60);
    expect(r.invocations.reduce((a, b) => a + b, 0)).toBe(0);
    expect(r.times).toHaveLength(60);
  });
});

describe('time range query', () => {
  it('sends filled fields as ISO instants and leaves out empty or unreadable ones', () => {
    const local = '2026-12-02T15:04:05';
    expect(rangeParams({ from: local, to: '' })).toEqual({ from: new Date(local).toISOString() });
    expect(rangeParams({ from: '', to: 'not a date' })).toEqual({});
  });
});

describe('storage JSON value', () => {
  it('parses JSON and names what is wrong otherwise', () => {
    expect(parseJsonValue('{"a": [1, null]}')).toEqual({ ok: true, value: { a: [1, null] } });
    const bad = parseJsonValue('{"a": tru');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toMatch(/^not valid JSON/);
  });
});
