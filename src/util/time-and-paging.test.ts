// The shared time and paging helpers every API view and seq-paged list goes through.
import { describe, expect, it } from 'vitest';
import { iso, isoDate, isoOrNull, nowIso } from './time.js';
import { nextCursor, pageLimit, SeqPaging } from './paging.js';

describe('time helpers', () => {
  it('render epoch ms as ISO 8601 (UTC), optional times as null', () => {
    expect(iso(Date.UTC(2026, 0, 2, 3, 4, 5, 6))).toBe('2026-01-02T03:04:05.006Z');
    expect(isoOrNull(null)).toBeNull();
    expect(isoOrNull(undefined)).toBeNull();
    expect(isoOrNull(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoDate(Date.UTC(2026, 11, 31, 23, 59))).toBe('2026-12-31');
    const before = Date.now();
    const now = Date.parse(nowIso());
    expect(now).toBeGreaterThanOrEqual(before - 1);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe('seq paging', () => {
  it('a full page has a next cursor (its last seq), a short one ends the list', () => {
    expect(nextCursor([{ seq: 9 }, { seq: 7 }], 2)).toBe(7);
    expect(nextCursor([{ seq: 9 }], 2)).toBeNull();
    expect(nextCursor([], 50)).toBeNull();
  });

  it('the default page size and the query bounds', () => {
    expect(pageLimit(undefined)).toBe(50);
    expect(pageLimit(3)).toBe(3);
    expect(SeqPaging.limit).toMatchObject({ minimum: 1, maximum: 500, default: 50 });
    expect(SeqPaging.cursor).toMatchObject({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
  });
});
