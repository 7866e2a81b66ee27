// Mustache templates of agent messages and input mappings: plain text out (no HTML escaping), syntax checked on save.
import Mustache from 'mustache';

/** Renders a template as plain text: replies are text, so `&` must stay `&`. */
export function renderText(template: string, view: unknown): string {
  return Mustache.render(template, view, undefined, { escape: (s: unknown) => String(s) });
}

/** The syntax error of a template, or null when it parses. */
export function templateError(template: string): string | null {
  try {
    Mustache.parse(template);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
