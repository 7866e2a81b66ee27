// Reading an executor's answer as an interaction: ours ({action, label}) and the reference platform's ({type, name, order}).

export interface Interaction {
  infos: Array<{ type?: string; message: string }>;
  options: Array<{ action: string; label?: string; recommended?: boolean; order?: number }>;
  data?: unknown;
}

/** An output that looks like an interaction (it has `options` or `infos`) but cannot be read as one. */
export class UnreadableInteraction extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The interaction of an executor output, or undefined when it is a plain result. `options[].type` is accepted for
 * `action` and `name` for `label` (the reference shape, where `type` comes back as `_action`); options are sorted by
 * `order` when given. Throws UnreadableInteraction for an output with options that are not all readable.
 */
export function readInteraction(output: unknown): Interaction | undefined {
  if (!isObject(output) || (!('options' in output) && !('infos' in output))) return undefined;
  const raw = output.options ?? [];
  if (!Array.isArray(raw)) throw new UnreadableInteraction('options must be a list of {action, label?, recommended?} (or {type, name, recommended?, order?})');
  const infosRaw = output.infos ?? [];
  if (!Array.isArray(infosRaw)) throw new UnreadableInteraction('infos must be a list of {type?, message}');
  const infos = infosRaw.map((x, i) => {
    if (!isObject(x) || typeof x.message !== 'string') throw new UnreadableInteraction(`infos[${i}] has no message`);
    return { ...(typeof x.type === 'string' ? { type: x.type } : {}), message: x.message };
  });
  // Infos without options (the second run's "done" interaction) are a result, not a question.
  if (raw.length === 0) return undefined;
  const options = raw.map((x, i) => {
    if (!isObject(x)) throw new UnreadableInteraction(`options[${i}] is not an object`);
    const action = typeof x.action === 'string' ? x.action : typeof x.type === 'string' ? x.type : undefined;
    if (!action) throw new UnreadableInteraction(`options[${i}] has neither an action nor a type (the action the second run receives as _action)`);
    const label = typeof x.label === 'string' ? x.label : typeof x.name === 'string' ? x.name : undefined;
    if (x.order !== undefined && x.order !== null && typeof x.order !== 'number') throw new UnreadableInteraction(`options[${i}].order must be a number`);
    return { action, ...(label !== undefined ? { label } : {}), ...(x.recommended === true ? { recommended: true } : {}), ...(typeof x.order === 'number' ? { order: x.order } : {}) };
  });
  // Stable: options without an order keep their place after the ordered ones.
  options.sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity));
  return { infos, options, ...(output.data !== undefined ? { data: output.data } : {}) };
}

/**
 * Whether an output of a non-agent executor (a tool) is meant as an interaction: `options` or `infos` holding objects.
 * A tool may answer plain data called `options` (a list of names); that is not an interaction.
 */
export function looksLikeInteraction(output: unknown): boolean {
  if (!isObject(output)) return false;
  return [output.options, output.infos].some((l) => Array.isArray(l) && l.some(isObject));
}
