// Strict JSON for request bodies: one linear scan refuses deep nesting, duplicate keys, prototype keys and unrepresentable numbers before JSON.parse.

/** Why a body was refused, with the JSON pointer of the offending place. */
export class JsonBodyRefusal extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'JsonBodyRefusal';
  }
}

interface Frame {
  kind: 'object' | 'array';
  /** Keys seen so far (objects only): a duplicate would silently override an earlier value. */
  keys?: Set<string>;
  /** The object expects a key next (after `{` or `,`). */
  expectKey: boolean;
  /** The current key (objects) or index (arrays), for error pointers. */
  at: string | number;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function escapePointer(s: string): string {
  return s.replaceAll('~', '~0').replaceAll('/', '~1');
}

function pointer(stack: Frame[]): string {
  const parts = stack.map((f) => `/${escapePointer(String(f.at))}`);
  return parts.join('') || '/';
}

/**
 * Checks JSON text without building it, so a hostile body costs one pass of its length. Syntax errors are left to
 * JSON.parse (the scan stops caring where the text stops being JSON).
 */
export function checkJsonText(text: string, maxDepth: number): void {
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      i++;
      let escaped = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i += 2;
          continue;
        }
        if (d === 0x22) break;
        i++;
      }
      i++;
      const top = stack.at(-1);
      if (top?.kind === 'object' && top.expectKey) {
        const raw = text.slice(start, i);
        let key: string;
        try {
          key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        } catch {
          return; // not JSON; JSON.parse reports it
        }
        top.expectKey = false;
        top.at = key;
        if (key === '__proto__') throw new JsonBodyRefusal(pointer(stack), 'the key "__proto__" is not allowed (it would change the object’s prototype)');
        if (key === 'prototype' && stack.at(-2)?.at === 'constructor') throw new JsonBodyRefusal(pointer(stack), 'the key "constructor.prototype" is not allowed');
        if (top.keys!.has(key)) throw new JsonBodyRefusal(pointer(stack), `the key "${key}" appears more than once in one object`);
        top.keys!.add(key);
      }
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) throw new JsonBodyRefusal(pointer(stack), `the JSON is nested deeper than ${maxDepth} levels`);
      stack.push(c === 0x7b ? { kind: 'object', keys: new Set(), expectKey: true, at: '' } : { kind: 'array', expectKey: false, at: 0 });
      i++;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      i++;
      continue;
    }
    if (c === 0x2c /* , */) {
      const top = stack.at(-1);
      if (top?.kind === 'object') top.expectKey = true;
      else if (top) top.at = (top.at as number) + 1;
      i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) return;
      const v = Number(m[0]);
      // Beyond ±2^53 a JSON number is silently rounded (and 1e400 becomes Infinity): ids, versions, cursors and stored
      // values would not be what the client sent, and some reach the database as text it cannot read.
      if (!Number.isFinite(v)) throw new JsonBodyRefusal(pointer(stack), `the number ${m[0]} is out of range`);
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) throw new JsonBodyRefusal(pointer(stack), `the number ${m[0]} is outside the exactly representable range ±${Number.MAX_SAFE_INTEGER}`);
      i += m[0].length;
      continue;
    }
    i++;
  }
}

/** Parses a request body after checkJsonText; throws JsonBodyRefusal (limits) or SyntaxError (not JSON). */
export function parseJsonBody(text: string, maxDepth: number): unknown {
  checkJsonText(text, maxDepth);
  return JSON.parse(text);
}

/** The deepest nesting of arrays/objects in JSON text (strings skipped), in one pass without parsing. */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}
