// The bindings forms without a browser: form values to request bodies (retry policies, JSON fields, defaults), the
// round trip of each kind's API object through its form, and the API's field errors placed on the form fields.
import { describe, expect, it } from 'vitest';
import { FormErrors, placeFieldErrors } from '../../console/src/lib/binding-form.js';
import { AGENTS, AI_TOOLS, BINDING_KINDS, EVENT_HOOKS, RECOGNITION_SOURCES, SMART_AGENTS, WEBHOOKS } from '../../console/src/lib/binding-kinds.js';

const hookForm = (over: Record<string, unknown> = {}) => ({ ...EVENT_HOOKS.empty(), name: 'h', executor: 'x', eventTypes: ['TicketCreated'], ...over });

function formErrors(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (e) {
    if (e instanceof FormErrors) return e.byField;
    throw e;
  }
  throw new Error('expected FormErrors');
}

describe('event hook form', () => {
  it('blank retry fields mean the default policy; attempts alone, exponential back-off, or fixed delays', () => {
    expect(EVENT_HOOKS.toBody(hookForm())).toMatchObject({ retry: null, filter: null, concurrency: null, enabled: true });
    expect(EVENT_HOOKS.toBody(hookForm({ retryAttempts: '4' })).retry).toEqual({ attempts: 4 });
    expect(EVENT_HOOKS.toBody(hookForm({ retryAttempts: '3', retryBaseMs: '100', retryMaxMs: '1000', retryJitter: '0.5' })).retry)
      .toEqual({ attempts: 3, schedule: { backoff: 'exponential', baseMs: 100, maxMs: 1000, jitter: 0.5 } });
    expect(EVENT_HOOKS.toBody(hookForm({ retryAttempts: '3', retryDelays: '1000, 60000' })).retry).toEqual({ attempts: 3, schedule: [1000, 60000] });
  });

  it('names every problem by its field before anything is sent', () => {
    expect(formErrors(() => EVENT_HOOKS.toBody({ ...EVENT_HOOKS.empty(), filter: '{"==": ', retryBaseMs: '10', concurrency: 'many' }))).toEqual({
      name: 'is required', executor: 'is required', eventTypes: 'choose at least one event type',
      filter: expect.stringMatching(/^is not valid JSON/), retryAttempts: 'is needed for a retry policy of your own', concurrency: 'must be a whole number',
    });
    expect(formErrors(() => EVENT_HOOKS.toBody(hookForm({ retryAttempts: '3', retryBaseMs: '10', retryDelays: '5' })))).toEqual({
      retryMaxMs: 'is needed for an exponential back-off', retryDelays: 'give either an exponential back-off or fixed delays',
    });
    expect(formErrors(() => EVENT_HOOKS.toBody(hookForm({ filter: '[1]' })))).toEqual({ filter: 'must be a JSON object' });
    expect(formErrors(() => EVENT_HOOKS.toBody(hookForm({ retryAttempts: '2', retryDelays: '10, soon' })))).toEqual({ retryDelays: expect.stringContaining('whole numbers') });
  });

  it('a hook with the default policy shows blank retry fields; one of its own shows them filled', () => {
    const base = { name: 'h', description: '', eventTypes: ['TicketClosed', 'custom.*'], executor: 'x', filter: { '!!': [{ var: 'data' }] }, concurrency: 2, enabled: false };
    const dflt = EVENT_HOOKS.fromItem({ ...base, retry: { attempts: 8, schedule: [0, 5000] }, retryIsDefault: true });
    expect(dflt).toMatchObject({ retryAttempts: '', retryDelays: '', concurrency: '2', enabled: false, eventTypes: ['TicketClosed', 'custom.*'] });
    expect(EVENT_HOOKS.toBody(dflt)).toMatchObject({ retry: null, filter: base.filter, concurrency: 2, enabled: false });
    const own = EVENT_HOOKS.fromItem({ ...base, retry: { attempts: 5, schedule: { backoff: 'exponential', baseMs: 50, maxMs: 500 } }, retryIsDefault: false });
    expect(own).toMatchObject({ retryAttempts: '5', retryBaseMs: '50', retryMaxMs: '500', retryJitter: '' });
    expect(EVENT_HOOKS.toBody(own).retry).toEqual({ attempts: 5, schedule: { backoff: 'exponential', baseMs: 50, maxMs: 500 } });
  });
});

describe('every kind', () => {
  const items = {
    webhooks: { name: 'zone', executor: 'zone_lookup', description: 'zones' },
    'ai-tools': { name: 'get_offer', executor: 'offer', description: null, parameters: { type: 'object' }, enabled: false },
    agents: { name: 'meter', intent: 'MeterReading', description: '', dataSchema: { type: 'object' }, rules: [{ when: true, then: 'execute' }], executor: 'store', inputMapping: { m: 'data.meter' }, templates: { success: 'ok', failure: 'no' }, mayDecideAlone: true },
    'smart-agents': { name: 'advisor', systemPrompt: 'Be brief.', model: 'm', tools: ['get_offer'], maxSteps: 3, baseUrl: null, apiKeySecret: null, temperature: 0.2 },
    recognition: { name: 'crm', kind: 'freeText', executor: 'crm', priority: 5, timeoutMs: 900 },
  } as const;

  it('an API object goes through its form into the same request body', () => {
    expect(WEBHOOKS.toBody(WEBHOOKS.fromItem(items.webhooks))).toEqual(items.webhooks);
    expect(AI_TOOLS.toBody(AI_TOOLS.fromItem(items['ai-tools']))).toEqual({ name: 'get_offer', executor: 'offer', parameters: { type: 'object' }, annotations: null, enabled: false });
    expect(AGENTS.toBody(AGENTS.fromItem(items.agents))).toEqual(items.agents);
    expect(SMART_AGENTS.toBody(SMART_AGENTS.fromItem(items['smart-agents']))).toEqual(items['smart-agents']);
    expect(RECOGNITION_SOURCES.toBody(RECOGNITION_SOURCES.fromItem(items.recognition))).toEqual(items.recognition);
  });

  it('an empty form is refused by each kind with its required fields named, and the kinds have unique ids', () => {
    for (const k of BINDING_KINDS) {
      const required = k.fields.filter((f) => f.required && f.key !== 'kind' && f.key !== 'dataSchema').map((f) => f.key);
      expect(Object.keys(formErrors(() => k.toBody(k.empty())))).toEqual(expect.arrayContaining(required));
    }
    expect(new Set(BINDING_KINDS.map((k) => k.id)).size).toBe(7);
    const rows = [{ name: '', when: '', then: 'execute' as const, message: 'ignored?' }, { name: 'x', when: '{"==": ', then: 'reject' as const, message: '' }];
    expect(formErrors(() => AGENTS.toBody({ ...AGENTS.fromItem(items.agents), rules: rows }))).toEqual({ rules: 'the condition of rule 2 is not valid JSON' });
    // A blank condition always holds; blank names and messages are left out.
    expect(AGENTS.toBody({ ...AGENTS.fromItem(items.agents), rules: [rows[0]!, { ...rows[1]!, when: '{"!": true}', message: 'No.' }] }).rules)
      .toEqual([{ when: true, then: 'execute', message: 'ignored?' }, { name: 'x', when: { '!': true }, then: 'reject', message: 'No.' }]);
  });
});

describe('field errors of the API on the form', () => {
  it('go to the field with the longest matching path; the rest stay with the form', () => {
    const placed = placeFieldErrors(EVENT_HOOKS.fields, [
      { field: '/eventTypes/1', message: 'unknown event type "X"' },
      { field: '/retry/schedule/baseMs', message: 'must be >= 1' },
      { field: '/retry/schedule', message: 'too long' },
      { field: '/retry/attempts', message: 'must be <= 50' },
      { field: '/filter', message: 'unknown operator' },
      { field: '/', message: 'something else' },
    ]);
    expect(placed).toEqual({
      eventTypes: ['/eventTypes/1 unknown event type "X"'], retryBaseMs: ['must be >= 1'], retryDelays: ['too long'], retryAttempts: ['must be <= 50'],
      filter: ['unknown operator'], '': ['/ something else'],
    });
    expect(placeFieldErrors(AGENTS.fields, [{ field: '/templates/success', message: 'is not a valid Mustache template' }, { field: '/rules/0/when', message: 'bad' }]))
      .toEqual({ templateSuccess: ['is not a valid Mustache template'], rules: ['/rules/0/when bad'] });
  });
});
