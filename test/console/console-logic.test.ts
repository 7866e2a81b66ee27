// The console's tricky parts without a browser: JSON input against a schema, the side-by-side diff, the event-stream reader.
import { describe, expect, it } from 'vitest';
import { checkInput } from '../../console/src/lib/json-input.js';
import { diffRows } from '../../console/src/lib/diff-rows.js';
import { parseFrames, readEventStream } from '../../console/src/lib/sse.js';
import { errorLine } from '../../console/src/lib/error-line.js';

const schema = { type: 'object', required: ['who'], properties: { who: { type: 'string' }, n: { type: 'integer', minimum: 1 } }, additionalProperties: false };

describe('JSON input validation', () => {
  it('reports a syntax error before any schema check', () => {
    const r = checkInput('{"who": ', schema);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.message).toMatch(/^not valid JSON/);
  });
  it('names every violation with its path', () => {
    const r = checkInput('{"n": 0, "extra": true}', schema);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems.map((p) => p.message)).toContain('missing required property "who"');
      expect(r.problems.find((p) => p.path === '/n')?.message).toMatch(/>= 1/);
      expect(r.problems.some((p) => /additional properties/.test(p.message))).toBe(true);
    }
  });
  it('accepts a matching value, and anything without a schema', () => {
    expect(checkInput('{"who": "Ada", "n": 2}', schema)).toEqual({ ok: true, value: { who: 'Ada', n: 2 } });
    expect(checkInput('[1, 2]', null)).toEqual({ ok: true, value: [1, 2] });
  });
  it('an invalid schema is a problem, not a crash', () => {
    const r = checkInput('{}', { type: 'no-such-type' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.message).toMatch(/input schema is not valid/);
  });
});

describe('side-by-side diff rows', () => {
  it('pairs a changed line, keeps unchanged lines on both sides with their numbers', () => {
    const rows = diffRows('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(rows).toEqual([
      { left: { n: 1, text: 'a' }, right: { n: 1, text: 'a' }, kind: 'same' },
      { left: { n: 2, text: 'b' }, right: { n: 2, text: 'B' }, kind: 'changed' },
      { left: { n: 3, text: 'c' }, right: { n: 3, text: 'c' }, kind: 'same' },
      { left: null, right: { n: 4, text: 'd' }, kind: 'added' },
    ]);
  });
  it('a removal longer than its replacement leaves the rest removed', () => {
    const rows = diffRows('x\n1\n2\n3\n', 'x\nnew\n');
    expect(rows.map((r) => r.kind)).toEqual(['same', 'changed', 'removed', 'removed']);
    expect(rows.at(-1)!.left).toEqual({ n: 4, text: '3' });
  });
});

describe('event-stream reader', () => {
  it('keeps an unfinished frame for the next chunk and joins multi-line data', () => {
    const a = parseFrames('event: log\ndata: {"m":1}\n\nevent: res');
    expect(a.frames).toEqual([{ event: 'log', data: '{"m":1}' }]);
    const b = parseFrames(a.rest + 'ult\ndata: x\ndata: y\n\n: comment\n\n');
    expect(b.frames).toEqual([{ event: 'result', data: 'x\ny' }]);
    expect(b.rest).toBe('');
  });
  it('yields frames split anywhere across chunks, even inside a UTF-8 character', async () => {
    const bytes = new TextEncoder().encode('event: log\ndata: "héllo"\n\nevent: result\ndata: {}\n\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 5));
        c.enqueue(bytes.slice(5, cut));
        c.enqueue(bytes.slice(cut));
        c.close();
      },
    });
    const frames = [];
    for await (const f of readEventStream(body)) frames.push(f);
    expect(frames).toEqual([{ event: 'log', data: '"héllo"' }, { event: 'result', data: '{}' }]);
  });
});

describe('error line', () => {
  it('prefers the SDK line, else the last frame in the user file of a Python or Node stack', () => {
    expect(errorLine({ line: 7, stack: 'main.py, line 2' })).toBe(7);
    expect(errorLine({ stack: 'File "main.py", line 2, in handler\n  File "main.py", line 5, in helper' })).toBe(5);
    expect(errorLine({ stack: 'Error: x\n    at handler (main.mjs:12:3)' })).toBe(12);
    expect(errorLine({ stack: 'no frames' })).toBeNull();
    expect(errorLine(undefined)).toBeNull();
  });
});
