// The bindings forms without React: field definitions, form values to request bodies (JSON fields parsed with their
// own errors), and the API's field errors (JSON pointers) placed next to the form field they belong to.
import type { FieldError } from './api.js';

/** One rule of a rule-based agent as the form holds it: the condition as JSON text until it is sent. */
export interface RuleRow {
  name: string;
  when: string;
  then: 'execute' | 'reject' | 'handoff';
  message: string;
}

export type FormValue = string | boolean | string[] | RuleRow[];
export type FormValues = Record<string, FormValue>;

export type FieldKind = 'text' | 'textarea' | 'number' | 'checkbox' | 'select' | 'json' | 'executor' | 'eventTypes' | 'tools' | 'rules';

export interface FieldDef {
  key: string;
  label: string;
  kind: FieldKind;
  required?: boolean;
  /** Select options. */
  options?: readonly string[];
  help?: string;
  placeholder?: string;
  /** The API's field path for this form field (default `/key`); errors at or below it are shown here. */
  apiPath?: string;
  /** A group heading the field starts (e.g. "Retry policy"). */
  group?: string;
  /** Rows of a textarea or JSON field. */
  rows?: number;
}

/** Problems found in the form before anything is sent, per form field. */
export class FormErrors extends Error {
  constructor(readonly byField: Record<string, string>) {
    super(Object.entries(byField).map(([k, m]) => `${k}: ${m}`).join('; '));
  }
}

/** Collects the problems of one conversion, then throws them all at once. */
export class BodyBuilder {
  private readonly errors: Record<string, string> = {};
  constructor(private readonly v: FormValues) {}

  text(key: string): string {
    const x = this.v[key];
    return typeof x === 'string' ? x.trim() : '';
  }
  /** The raw text (templates and prompts keep their whitespace). */
  raw(key: string): string {
    const x = this.v[key];
    return typeof x === 'string' ? x : '';
  }
  /** A text that is null when blank. */
  optionalText(key: string): string | null {
    return this.text(key) || null;
  }
  bool(key: string): boolean {
    return this.v[key] === true;
  }
  list(key: string): string[] {
    const x = this.v[key];
    return Array.isArray(x) ? x.filter((i): i is string => typeof i === 'string') : [];
  }
  /** Rule rows as the API's rules: each condition parsed, blank names and messages left out. */
  rules(key: string): Array<{ name?: string; when: unknown; then: RuleRow['then']; message?: string }> {
    const x = this.v[key];
    const rows = Array.isArray(x) ? x.filter((i): i is RuleRow => typeof i === 'object') : [];
    const bad: number[] = [];
    const out = rows.map((r, i) => {
      let when: unknown = null;
      try {
        when = JSON.parse(r.when.trim() || 'true');
      } catch {
        bad.push(i + 1);
      }
      return { ...(r.name.trim() ? { name: r.name.trim() } : {}), when, then: r.then, ...(r.message.trim() ? { message: r.message } : {}) };
    });
    if (bad.length) this.errors[key] = `the condition of rule ${bad.join(', ')} is not valid JSON`;
    return out;
  }
  /** A whole number, or null when blank. */
  int(key: string): number | null {
    const t = this.text(key);
    if (!t) return null;
    if (!/^-?\d+$/.test(t)) {
      this.errors[key] = 'must be a whole number';
      return null;
    }
    return Number(t);
  }
  /** A number, or null when blank. */
  num(key: string): number | null {
    const t = this.text(key);
    if (!t) return null;
    const n = Number(t);
    if (!Number.isFinite(n)) {
      this.errors[key] = 'must be a number';
      return null;
    }
    return n;
  }
  /** JSON text: null when blank; `shape` says what the value must be. */
  json(key: string, shape: 'object' | 'array' | 'any' = 'any'): unknown {
    const t = this.text(key);
    if (!t) return null;
    try {
      const value: unknown = JSON.parse(t);
      if (shape === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value))) this.errors[key] = 'must be a JSON object';
      else if (shape === 'array' && !Array.isArray(value)) this.errors[key] = 'must be a JSON array';
      return value;
    } catch (e) {
      this.errors[key] = `is not valid JSON: ${(e as Error).message}`;
      return null;
    }
  }
  require(key: string, present: boolean, message = 'is required'): void {
    if (!present) this.errors[key] = message;
  }
  fail(key: string, message: string): void {
    this.errors[key] = message;
  }
  /** Throws FormErrors when anything was wrong. */
  done<T>(body: T): T {
    if (Object.keys(this.errors).length) throw new FormErrors({ ...this.errors });
    return body;
  }
}

/** Pretty JSON for a JSON field; blank for null and undefined. */
export function jsonText(value: unknown): string {
  return value === null || value === undefined ? '' : JSON.stringify(value, null, 2);
}

/** A number for a number field; blank for null and undefined. */
export function numText(value: unknown): string {
  return typeof value === 'number' ? String(value) : '';
}

/**
 * Places the API's field errors on the form fields: an error belongs to the field whose API path is the longest prefix
 * of its path (`/retry/schedule/baseMs` → the base delay field). The rest (no field matches) come back under ''.
 */
export function placeFieldErrors(fields: readonly FieldDef[], errors: readonly FieldError[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of errors) {
    const path = e.field ?? e.path ?? e.instancePath ?? '';
    let best: FieldDef | undefined;
    for (const f of fields) {
      const p = f.apiPath ?? `/${f.key}`;
      if ((path === p || path.startsWith(p + '/')) && (!best || p.length > (best.apiPath ?? `/${best.key}`).length)) best = f;
    }
    const key = best?.key ?? '';
    (out[key] ??= []).push(best ? `${path === (best.apiPath ?? `/${best.key}`) ? '' : path + ' '}${e.message}`.trim() : `${path} ${e.message}`.trim());
  }
  return out;
}
