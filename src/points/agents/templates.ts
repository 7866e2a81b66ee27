// Mustache templates of agent messages and input mappings: plain text out (no HTML escaping), bounded in output, iterations and nesting.
import Mustache from 'mustache';
import { BoundedMap } from '../../util/bounded-map.js';
import { evaluationLimits, LimitExceededError } from '../../util/evaluation-limits.js';

// Mustache's own cache keeps every template it ever parsed; ours forgets the least recently used.
Mustache.templateCache = undefined;
const parsed = new BoundedMap<string, unknown[]>(1000);

type Token = [string, string, number, number, Token[]?, number?];

function parse(template: string): Token[] {
  return parsed.getOrCreate(template, () => Mustache.parse(template) as unknown as Token[]) as Token[];
}

/** The deepest nesting of sections (`{{#x}}`, `{{^x}}`) in parsed tokens. */
function sectionDepth(tokens: Token[]): number {
  let deepest = 0;
  for (const t of tokens) if ((t[0] === '#' || t[0] === '^') && t[4]) deepest = Math.max(deepest, 1 + sectionDepth(t[4]));
  return deepest;
}

interface WriterInternals {
  renderTokens(tokens: unknown[], context: Mustache.Context, partials: unknown, original: string, config: unknown): string;
  renderSection(token: unknown[], context: Mustache.Context, partials: unknown, original: string, config: unknown): string | undefined;
  rawValue(token: unknown[]): string;
  escapedValue(token: unknown[], context: Mustache.Context, config: unknown): string | undefined;
  unescapedValue(token: unknown[], context: Mustache.Context): string | undefined;
}

/**
 * Renders a template as plain text: replies are text, so `&` must stay `&`. A section over a large array inside
 * another one multiplies (5,000 × 5,000 items was a 25 MB message): every emitted character and every section
 * iteration is counted, and rendering stops with LimitExceededError past the limits.
 */
export function renderText(template: string, view: unknown): string {
  const limits = evaluationLimits();
  const writer = new Mustache.Writer() as unknown as WriterInternals;
  const proto = Mustache.Writer.prototype as unknown as WriterInternals;
  let emitted = 0;
  let iterations = 0;
  let depth = 0;
  const emit = (v: string | undefined): string | undefined => {
    if (v !== undefined && v !== null) {
      emitted += String(v).length;
      if (emitted > limits.templateMaxOutputChars) throw new LimitExceededError(`the rendered text would be longer than ${limits.templateMaxOutputChars} characters`);
    }
    return v;
  };
  writer.rawValue = (token) => emit(proto.rawValue.call(writer, token)) as string;
  writer.escapedValue = (token, context, config) => emit(proto.escapedValue.call(writer, token, context, config));
  writer.unescapedValue = (token, context) => emit(proto.unescapedValue.call(writer, token, context));
  writer.renderTokens = (tokens, context, partials, original, config) => {
    // Called once for the template and once per section item.
    if (++iterations > limits.templateMaxIterations) throw new LimitExceededError(`the template repeats sections more than ${limits.templateMaxIterations} times`);
    return proto.renderTokens.call(writer, tokens, context, partials, original, config);
  };
  writer.renderSection = (token, context, partials, original, config) => {
    if (++depth > limits.templateMaxSectionDepth) throw new LimitExceededError(`sections are nested deeper than ${limits.templateMaxSectionDepth} levels`);
    try {
      return proto.renderSection.call(writer, token, context, partials, original, config);
    } finally {
      depth--;
    }
  };
  const tokens = parse(template);
  return writer.renderTokens(tokens, new Mustache.Context(view), undefined, template, { escape: (s: unknown) => String(s) });
}

/** The syntax error of a template (or the limit it exceeds), or null when it parses. */
export function templateError(template: string): string | null {
  try {
    const depth = sectionDepth(parse(template));
    const max = evaluationLimits().templateMaxSectionDepth;
    if (depth > max) return `sections are nested ${depth} levels deep (at most ${max})`;
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
