// The seven binding kinds of the console (SPEC 3), as data for the one generic list/detail/form: where each lives in
// the API, its form fields, how an API object becomes form values and form values a request body, and its columns.
import { BodyBuilder, jsonText, numText, type FieldDef, type FormValues, type RuleRow } from './binding-form.js';

export type Binding = Record<string, unknown> & { name: string };

export interface BindingKind {
  id: string;
  /** Plural title (tab and heading). */
  title: string;
  /** One of them, in buttons ("New webhook"). */
  singular: string;
  /** Collection path in the API. */
  api: string;
  blurb: string;
  fields: readonly FieldDef[];
  empty(): FormValues;
  fromItem(item: Binding): FormValues;
  toBody(v: FormValues): Record<string, unknown>;
  columns: ReadonlyArray<{ label: string; value(item: Binding): string }>;
}

const str = (x: unknown): string => (typeof x === 'string' ? x : '');
const NAME: FieldDef = { key: 'name', label: 'Name', kind: 'text', required: true, placeholder: 'lower_case_name' };
const EXECUTOR: FieldDef = { key: 'executor', label: 'Executor', kind: 'executor', required: true };
const DESCRIPTION: FieldDef = { key: 'description', label: 'Description', kind: 'textarea', rows: 2 };

/** The simple callable points: webhooks and UDFs ({name, executor, description}). */
function callable(id: string, title: string, singular: string, api: string, blurb: string): BindingKind {
  return {
    id, title, singular, api, blurb,
    fields: [NAME, EXECUTOR, DESCRIPTION],
    empty: () => ({ name: '', executor: '', description: '' }),
    fromItem: (i) => ({ name: i.name, executor: str(i.executor), description: str(i.description) }),
    toBody(v) {
      const b = new BodyBuilder(v);
      b.require('name', !!b.text('name'));
      b.require('executor', !!b.text('executor'));
      return b.done({ name: b.text('name'), executor: b.text('executor'), description: b.raw('description') });
    },
    columns: [{ label: 'Executor', value: (i) => str(i.executor) }, { label: 'Description', value: (i) => str(i.description) }],
  };
}

interface RetryPolicy { attempts: number; schedule?: number[] | { backoff: 'exponential'; baseMs: number; maxMs: number; jitter?: number } }

function retryText(r: RetryPolicy | undefined, isDefault: boolean): string {
  if (isDefault || !r) return 'default';
  if (Array.isArray(r.schedule)) return `${r.attempts} × (${r.schedule.join(', ')} ms)`;
  if (r.schedule) return `${r.attempts} × exp ${r.schedule.baseMs}–${r.schedule.maxMs} ms`;
  return `${r.attempts} attempts`;
}

export const EVENT_HOOKS: BindingKind = {
  id: 'event-hooks', title: 'Event hooks', singular: 'event hook', api: '/api/event-hooks',
  blurb: 'Run an executor for events (at least once, retried, dead-lettered when exhausted).',
  fields: [
    { ...NAME, placeholder: 'export_closed' },
    DESCRIPTION,
    { key: 'eventTypes', label: 'Event types', kind: 'eventTypes', required: true },
    EXECUTOR,
    { key: 'filter', label: 'Filter (JSON Logic)', kind: 'json', rows: 4, help: 'over {type, subject, data}; blank: every event of the types', placeholder: '{"==": [{"var": "data.ticket.channel"}, "email"]}' },
    { key: 'retryAttempts', label: 'Attempts', kind: 'number', group: 'Retry policy', apiPath: '/retry/attempts', help: 'blank: the default (8 over about a day)' },
    { key: 'retryBaseMs', label: 'Back-off: first delay (ms)', kind: 'number', apiPath: '/retry/schedule/baseMs' },
    { key: 'retryMaxMs', label: 'Back-off: longest (ms)', kind: 'number', apiPath: '/retry/schedule/maxMs' },
    { key: 'retryJitter', label: 'Back-off: jitter (0–1)', kind: 'number', apiPath: '/retry/schedule/jitter', placeholder: '0.2' },
    { key: 'retryDelays', label: 'Or fixed delays (ms, comma-separated)', kind: 'text', apiPath: '/retry/schedule', placeholder: '1000, 60000' },
    { key: 'concurrency', label: 'Concurrency', kind: 'number', help: 'at most this many deliveries at once; blank: no limit' },
    { key: 'enabled', label: 'Enabled', kind: 'checkbox' },
  ],
  empty: () => ({ name: '', description: '', eventTypes: [], executor: '', filter: '', retryAttempts: '', retryBaseMs: '', retryMaxMs: '', retryJitter: '', retryDelays: '', concurrency: '', enabled: true }),
  fromItem(i) {
    const r = i.retry as RetryPolicy | undefined;
    const dflt = i.retryIsDefault === true || !r;
    const exp = r && r.schedule && !Array.isArray(r.schedule) ? r.schedule : undefined;
    return {
      name: i.name, description: str(i.description), eventTypes: Array.isArray(i.eventTypes) ? (i.eventTypes as string[]) : [], executor: str(i.executor),
      filter: jsonText(i.filter), retryAttempts: dflt ? '' : numText(r.attempts), retryBaseMs: numText(exp?.baseMs), retryMaxMs: numText(exp?.maxMs),
      retryJitter: numText(exp?.jitter), retryDelays: !dflt && Array.isArray(r.schedule) ? r.schedule.join(', ') : '', concurrency: numText(i.concurrency), enabled: i.enabled !== false,
    };
  },
  toBody(v) {
    const b = new BodyBuilder(v);
    b.require('name', !!b.text('name'));
    b.require('executor', !!b.text('executor'));
    const eventTypes = b.list('eventTypes');
    b.require('eventTypes', eventTypes.length > 0, 'choose at least one event type');
    const filter = b.json('filter', 'object');
    const attempts = b.int('retryAttempts');
    const baseMs = b.int('retryBaseMs');
    const maxMs = b.int('retryMaxMs');
    const jitter = b.num('retryJitter');
    const delaysText = b.text('retryDelays');
    const delays = delaysText ? delaysText.split(',').map((x) => x.trim()).filter(Boolean).map(Number) : [];
    if (delays.some((d) => !Number.isInteger(d))) b.fail('retryDelays', 'must be whole numbers of milliseconds, comma-separated');
    let retry: RetryPolicy | null = null;
    if (attempts !== null) {
      retry = { attempts };
      if (baseMs !== null || maxMs !== null) {
        if (baseMs === null) b.fail('retryBaseMs', 'is needed for an exponential back-off');
        if (maxMs === null) b.fail('retryMaxMs', 'is needed for an exponential back-off');
        if (delays.length) b.fail('retryDelays', 'give either an exponential back-off or fixed delays');
        retry.schedule = { backoff: 'exponential', baseMs: baseMs ?? 0, maxMs: maxMs ?? 0, ...(jitter !== null ? { jitter } : {}) };
      } else if (delays.length) retry.schedule = delays;
    } else if (baseMs !== null || maxMs !== null || delays.length) b.fail('retryAttempts', 'is needed for a retry policy of your own');
    return b.done({
      name: b.text('name'), description: b.raw('description'), eventTypes, executor: b.text('executor'), filter, retry,
      concurrency: b.int('concurrency'), enabled: b.bool('enabled'),
    });
  },
  columns: [
    { label: 'Event types', value: (i) => (Array.isArray(i.eventTypes) ? (i.eventTypes as string[]).join(', ') : '') },
    { label: 'Executor', value: (i) => str(i.executor) },
    { label: 'Filter', value: (i) => (i.filter ? 'yes' : '') },
    { label: 'Retry', value: (i) => retryText(i.retry as RetryPolicy | undefined, i.retryIsDefault === true) },
    { label: 'State', value: (i) => (i.enabled === false ? 'disabled' : 'enabled') },
  ],
};

export const WEBHOOKS = callable('webhooks', 'Webhooks', 'webhook', '/api/webhooks', 'Synchronous calls: the caller waits for the executor and gets its output or its error.');
export const UDFS = callable('udfs', 'UDFs', 'UDF', '/api/udfs', 'The UDF library: executors callable as ctx.udf(name, input) from any code, and through the API.');

export const AI_TOOLS: BindingKind = {
  id: 'ai-tools', title: 'AI tools', singular: 'AI tool', api: '/api/ai/tools',
  blurb: 'Executors offered to language models: as OpenAI function tools and over MCP (/mcp).',
  fields: [
    { ...NAME, placeholder: 'get_tariff_offer', help: 'what the model calls (letters, digits, _ and -)' },
    EXECUTOR,
    { ...DESCRIPTION, help: 'blank: the executor’s description' },
    { key: 'parameters', label: 'Parameters (JSON Schema)', kind: 'json', rows: 6, help: 'blank: the executor’s input schema' },
    { key: 'annotations', label: 'MCP annotations (JSON)', kind: 'json', rows: 3, placeholder: '{"readOnlyHint": true}' },
    { key: 'enabled', label: 'Enabled', kind: 'checkbox' },
  ],
  empty: () => ({ name: '', executor: '', description: '', parameters: '', annotations: '', enabled: true }),
  fromItem: (i) => ({ name: i.name, executor: str(i.executor), description: str(i.description), parameters: jsonText(i.parameters), annotations: jsonText(i.annotations), enabled: i.enabled !== false }),
  toBody(v) {
    const b = new BodyBuilder(v);
    b.require('name', !!b.text('name'));
    b.require('executor', !!b.text('executor'));
    const description = b.raw('description');
    return b.done({
      name: b.text('name'), executor: b.text('executor'), ...(description.trim() ? { description } : {}),
      parameters: b.json('parameters', 'object'), annotations: b.json('annotations', 'object'), enabled: b.bool('enabled'),
    });
  },
  columns: [
    { label: 'Executor', value: (i) => str(i.executor) },
    { label: 'Description', value: (i) => str(i.description) },
    { label: 'State', value: (i) => (i.enabled === false ? 'disabled' : 'enabled') },
  ],
};

export const AGENTS: BindingKind = {
  id: 'agents', title: 'Rule-based agents', singular: 'agent', api: '/api/agents',
  blurb: 'An intent, the data it needs, rules that execute, reject or hand off, an action executor and reply templates.',
  fields: [
    { ...NAME, placeholder: 'meter_reading' },
    { key: 'intent', label: 'Intent', kind: 'text', required: true, placeholder: 'MeterReading' },
    DESCRIPTION,
    { key: 'dataSchema', label: 'Data schema (JSON Schema)', kind: 'json', required: true, rows: 6, placeholder: '{"type": "object", "required": ["meterNumber"], "properties": {"meterNumber": {"type": "string"}}}' },
    { key: 'rules', label: 'Rules', kind: 'rules', help: 'checked in order: the first whose condition (JSON Logic over {data, customer, ticket}) holds decides; when none holds, the action runs' },
    EXECUTOR,
    { key: 'inputMapping', label: 'Input mapping (JSON)', kind: 'json', rows: 3, help: 'target key → data.x / customer.x / ticket.x, a template or a literal; blank: the data as it is' },
    { key: 'templateSuccess', label: 'Success template', kind: 'textarea', rows: 2, group: 'Response templates', apiPath: '/templates/success', help: 'Mustache over {data, customer, ticket, output, action}' },
    { key: 'templateFailure', label: 'Failure template', kind: 'textarea', rows: 2, apiPath: '/templates/failure' },
    { key: 'mayDecideAlone', label: 'May choose the recommended option alone', kind: 'checkbox' },
  ],
  empty: () => ({ name: '', intent: '', description: '', dataSchema: '{\n  "type": "object",\n  "properties": {}\n}', rules: [], executor: '', inputMapping: '', templateSuccess: '', templateFailure: '', mayDecideAlone: false }),
  fromItem(i) {
    const t = (i.templates ?? {}) as { success?: string; failure?: string };
    const rules: RuleRow[] = (Array.isArray(i.rules) ? (i.rules as Array<Record<string, unknown>>) : []).map((r) => ({
      name: str(r.name), when: JSON.stringify(r.when ?? true), then: (r.then as RuleRow['then']) ?? 'execute', message: str(r.message),
    }));
    return {
      name: i.name, intent: str(i.intent), description: str(i.description), dataSchema: jsonText(i.dataSchema), rules, executor: str(i.executor),
      inputMapping: jsonText(i.inputMapping), templateSuccess: str(t.success), templateFailure: str(t.failure), mayDecideAlone: i.mayDecideAlone === true,
    };
  },
  toBody(v) {
    const b = new BodyBuilder(v);
    b.require('name', !!b.text('name'));
    b.require('intent', !!b.text('intent'));
    b.require('executor', !!b.text('executor'));
    const dataSchema = b.json('dataSchema', 'object');
    b.require('dataSchema', dataSchema !== null);
    const templates: Record<string, string> = {};
    if (b.raw('templateSuccess').trim()) templates.success = b.raw('templateSuccess');
    if (b.raw('templateFailure').trim()) templates.failure = b.raw('templateFailure');
    return b.done({
      name: b.text('name'), intent: b.text('intent'), description: b.raw('description'), dataSchema, rules: b.rules('rules'),
      executor: b.text('executor'), inputMapping: b.json('inputMapping', 'object'), templates, mayDecideAlone: b.bool('mayDecideAlone'),
    });
  },
  columns: [
    { label: 'Intent', value: (i) => str(i.intent) },
    { label: 'Executor', value: (i) => str(i.executor) },
    { label: 'Rules', value: (i) => String(Array.isArray(i.rules) ? i.rules.length : 0) },
  ],
};

export const SMART_AGENTS: BindingKind = {
  id: 'smart-agents', title: 'Smart agents', singular: 'smart agent', api: '/api/ai/agents',
  blurb: 'A language model with a system prompt and tools, over any OpenAI-compatible Chat Completions endpoint.',
  fields: [
    { ...NAME, placeholder: 'advisor' },
    { key: 'systemPrompt', label: 'System prompt', kind: 'textarea', rows: 5 },
    { key: 'model', label: 'Model', kind: 'text', required: true, placeholder: 'gpt-4o-mini' },
    { key: 'tools', label: 'Tools', kind: 'tools', help: 'AI tools the model may call' },
    { key: 'maxSteps', label: 'Step limit', kind: 'number', placeholder: '8', help: 'most tool-calling rounds per chat (1–50)' },
    { key: 'baseUrl', label: 'Endpoint base URL', kind: 'text', placeholder: 'https://api.openai.com/v1', help: 'blank: the server’s OUTRIGGER_LLM_BASE_URL' },
    { key: 'apiKeySecret', label: 'API key secret', kind: 'text', help: 'name of the secret holding the key' },
    { key: 'temperature', label: 'Temperature', kind: 'number' },
  ],
  empty: () => ({ name: '', systemPrompt: '', model: '', tools: [], maxSteps: '', baseUrl: '', apiKeySecret: '', temperature: '' }),
  fromItem: (i) => ({
    name: i.name, systemPrompt: str(i.systemPrompt), model: str(i.model), tools: Array.isArray(i.tools) ? (i.tools as string[]) : [], maxSteps: numText(i.maxSteps),
    baseUrl: str(i.baseUrl), apiKeySecret: str(i.apiKeySecret), temperature: numText(i.temperature),
  }),
  toBody(v) {
    const b = new BodyBuilder(v);
    b.require('name', !!b.text('name'));
    b.require('model', !!b.text('model'));
    const maxSteps = b.int('maxSteps');
    return b.done({
      name: b.text('name'), systemPrompt: b.raw('systemPrompt'), model: b.text('model'), tools: b.list('tools'), ...(maxSteps !== null ? { maxSteps } : {}),
      baseUrl: b.optionalText('baseUrl'), apiKeySecret: b.optionalText('apiKeySecret'), temperature: b.num('temperature'),
    });
  },
  columns: [
    { label: 'Model', value: (i) => str(i.model) },
    { label: 'Tools', value: (i) => (Array.isArray(i.tools) ? (i.tools as string[]).join(', ') : '') },
    { label: 'Step limit', value: (i) => numText(i.maxSteps) },
  ],
};

export const SEARCH_KINDS = ['contractNumber', 'customerNumber', 'attributes', 'freeText'] as const;

export const RECOGNITION_SOURCES: BindingKind = {
  id: 'recognition', title: 'Customer recognition', singular: 'source', api: '/api/customer-recognition/sources',
  blurb: 'Per search kind, executors asked for customers; the answers are merged, ranked and cached.',
  fields: [
    { ...NAME, placeholder: 'crm_contracts' },
    { key: 'kind', label: 'Search kind', kind: 'select', options: SEARCH_KINDS, required: true },
    EXECUTOR,
    { key: 'priority', label: 'Priority', kind: 'number', placeholder: '100', help: 'smaller is more important' },
    { key: 'timeoutMs', label: 'Time-out (ms)', kind: 'number', placeholder: '5000' },
  ],
  empty: () => ({ name: '', kind: 'contractNumber', executor: '', priority: '', timeoutMs: '' }),
  fromItem: (i) => ({ name: i.name, kind: str(i.kind), executor: str(i.executor), priority: numText(i.priority), timeoutMs: numText(i.timeoutMs) }),
  toBody(v) {
    const b = new BodyBuilder(v);
    b.require('name', !!b.text('name'));
    b.require('executor', !!b.text('executor'));
    const priority = b.int('priority');
    const timeoutMs = b.int('timeoutMs');
    return b.done({ name: b.text('name'), kind: b.text('kind'), executor: b.text('executor'), ...(priority !== null ? { priority } : {}), ...(timeoutMs !== null ? { timeoutMs } : {}) });
  },
  columns: [
    { label: 'Kind', value: (i) => str(i.kind) },
    { label: 'Executor', value: (i) => str(i.executor) },
    { label: 'Priority', value: (i) => numText(i.priority) },
    { label: 'Time-out', value: (i) => (typeof i.timeoutMs === 'number' ? `${i.timeoutMs} ms` : '') },
  ],
};

export const BINDING_KINDS: readonly BindingKind[] = [EVENT_HOOKS, WEBHOOKS, UDFS, AI_TOOLS, AGENTS, SMART_AGENTS, RECOGNITION_SOURCES];

export function kindById(id: string | undefined): BindingKind | undefined {
  return BINDING_KINDS.find((k) => k.id === id);
}
