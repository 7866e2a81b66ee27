// URL and header templates of apiCall executors: {{secret:NAME}} / {{secret.NAME}}, {{input.a.b}}, {{execution.id}}.
import { InvocationError } from '../../errors.js';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const SECRET_REF = /^secret[:.]([A-Za-z_][A-Za-z0-9_]*)$/;
const INPUT_REF = /^input((?:\.[^.\s]+)+)$/;

export interface TemplateScope {
  input: unknown;
  executionId: string;
  secrets: Map<string, string>;
}

/** The placeholders of a template that are not understood (checked when an executor is saved). */
export function unknownPlaceholders(template: string): string[] {
  const bad: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const expr = m[1]!;
    if (!SECRET_REF.test(expr) && !INPUT_REF.test(expr) && expr !== 'execution.id') bad.push(m[0]);
  }
  return bad;
}

/** Secret names a set of templates refers to. */
export function referencedSecrets(templates: string[]): string[] {
  const names = new Set<string>();
  for (const t of templates) for (const m of t.matchAll(PLACEHOLDER)) {
    const s = SECRET_REF.exec(m[1]!);
    if (s) names.add(s[1]!);
  }
  return [...names];
}

/** Top-level input keys a template uses (they are not repeated in a GET query string). */
export function referencedInputKeys(template: string): Set<string> {
  const keys = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) {
    const s = INPUT_REF.exec(m[1]!);
    if (s) keys.add(s[1]!.slice(1).split('.')[0]!);
  }
  return keys;
}

function lookupPath(input: unknown, path: string[]): unknown {
  let cur: unknown = input;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** Fills a template; `encode` URL-encodes the substituted values (for URLs). Missing input is INPUT_INVALID. */
export function renderTemplate(template: string, scope: TemplateScope, encode: boolean): string {
  return template.replace(PLACEHOLDER, (whole, expr: string) => {
    let value: string;
    const secret = SECRET_REF.exec(expr);
    const input = INPUT_REF.exec(expr);
    if (secret) {
      const v = scope.secrets.get(secret[1]!);
      if (v === undefined) throw new InvocationError('NOT_FOUND', `secret ${secret[1]} does not exist`, { secret: secret[1] });
      value = v;
    } else if (input) {
      const path = input[1]!.slice(1).split('.');
      const v = lookupPath(scope.input, path);
      if (v === undefined || v === null) {
        throw new InvocationError('INPUT_INVALID', `the template needs input.${path.join('.')}, which is missing`, { errors: [{ field: '/' + path.join('/'), message: 'is required by the URL or a header' }] });
      }
      value = typeof v === 'object' ? JSON.stringify(v) : String(v);
    } else if (expr === 'execution.id') {
      value = scope.executionId;
    } else {
      return whole;
    }
    if (encode) return encodeURIComponent(value);
    // A header value must not smuggle in a new header line.
    if (/[\r\n]/.test(value)) throw new InvocationError('INPUT_INVALID', 'a header value may not contain line breaks');
    return value;
  });
}

/** A `.` or `..` path segment, also percent-encoded (the URL standard resolves `%2e%2e` like `..`). */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * Fills a URL template. Substituted values are URL-encoded, so they cannot add `/`, `?` or `#`; a path segment
 * that renders to a dot segment is refused, because resolving it would send the request (with its secret
 * headers) to another path than the one the executor's author wrote.
 */
export function renderUrlTemplate(template: string, scope: TemplateScope): string {
  // Separators are found outside placeholders only (an input path may itself contain `/` or `?`).
  const masked = template.replace(PLACEHOLDER, (m) => '_'.repeat(m.length));
  const cut = masked.search(/[?#]/);
  const end = cut === -1 ? template.length : cut;
  const rawSegments: string[] = [];
  let from = 0;
  for (let i = 0; i <= end; i++) {
    if (i === end || masked[i] === '/') {
      rawSegments.push(template.slice(from, i));
      from = i + 1;
    }
  }
  const rest = template.slice(end);
  const segments = rawSegments.map((seg) => {
    if (!seg.includes('{{')) return seg;
    const rendered = renderTemplate(seg, scope, true);
    if (DOT_SEGMENT.test(rendered)) {
      throw new InvocationError('INPUT_INVALID', `the URL template's path segment ${seg} would render to the dot segment "${rendered}", which is refused`, { errors: [{ field: '/', message: 'renders a URL path segment to . or ..' }] });
    }
    return rendered;
  });
  return segments.join('/') + renderTemplate(rest, scope, true);
}
