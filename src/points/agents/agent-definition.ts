// The rule-based agent definition (SPEC 3): request schema, defaults and the checks done when an agent is saved.
import { Type } from '@sinclair/typebox';
import { invalid, type FieldError } from '../../errors.js';
import { ExecutorReference, ResourceName } from '../../names.js';
import { schemaProblem } from '../../util/json-schema.js';
import { templateError } from './templates.js';
import { logicProblem } from '../../util/bounded-logic.js';

export const RULE_OUTCOMES = ['execute', 'reject', 'handoff'] as const;
export type RuleOutcome = (typeof RULE_OUTCOMES)[number];

export interface AgentRule {
  name?: string;
  /** JSON Logic over `{data, customer, ticket}`. */
  when: unknown;
  then: RuleOutcome;
  /** Mustache template over `{data, customer, ticket}`. */
  message?: string;
}

export interface Agent {
  name: string;
  intent: string;
  description: string;
  dataSchema: Record<string, unknown>;
  rules: AgentRule[];
  executor: string;
  /** Target key (dots nest) → `data.x` / `customer.x` / `ticket.x` path, a Mustache template, or a literal. */
  inputMapping: Record<string, string | number | boolean | null> | null;
  templates: { success: string; failure: string };
  mayDecideAlone: boolean;
}

export const DEFAULT_TEMPLATES = {
  success: 'Done.',
  failure: 'Sorry, that did not work. A colleague will take care of it.',
};

const Rule = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  when: Type.Unknown({ description: 'JSON Logic over {data, customer, ticket}' }),
  then: Type.Union(RULE_OUTCOMES.map((o) => Type.Literal(o))),
  message: Type.Optional(Type.String({ maxLength: 8000, description: 'Mustache template' })),
}, { additionalProperties: false });

export const AgentBody = Type.Object({
  name: ResourceName,
  intent: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 4000 })),
  dataSchema: Type.Object({}, { additionalProperties: true, description: 'JSON Schema 2020-12 of the data the agent needs' }),
  rules: Type.Optional(Type.Array(Rule, { maxItems: 200 })),
  executor: ExecutorReference,
  inputMapping: Type.Optional(Type.Union([Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.Union([Type.String({ maxLength: 8000 }), Type.Number(), Type.Boolean(), Type.Null()])), Type.Null()])),
  templates: Type.Optional(Type.Object({ success: Type.Optional(Type.String({ maxLength: 8000 })), failure: Type.Optional(Type.String({ maxLength: 8000 })) }, { additionalProperties: false })),
  mayDecideAlone: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

/** Checks rules, schema and templates; returns the agent with defaults applied (executor existence is checked by the caller). */
export function normalizeAgent(body: any): Agent {
  const errors: FieldError[] = [];
  const schemaError = schemaProblem(body.dataSchema);
  if (schemaError) errors.push({ field: '/dataSchema', message: schemaError });
  const rules = (body.rules ?? []) as AgentRule[];
  rules.forEach((r, i) => {
    // Size, depth and a trial run on an empty context (unknown operators, operation budget) before saving.
    const problem = logicProblem(r.when, { data: {}, customer: null, ticket: null });
    if (problem) errors.push({ field: `/rules/${i}/when`, message: problem });
    if (r.message !== undefined) {
      const e = templateError(r.message);
      if (e) errors.push({ field: `/rules/${i}/message`, message: `is not a valid Mustache template: ${e}` });
    }
  });
  const templates = { ...DEFAULT_TEMPLATES, ...(body.templates ?? {}) };
  for (const k of ['success', 'failure'] as const) {
    const e = templateError(templates[k]);
    if (e) errors.push({ field: `/templates/${k}`, message: `is not a valid Mustache template: ${e}` });
  }
  for (const [k, v] of Object.entries((body.inputMapping ?? {}) as Record<string, unknown>)) {
    if (typeof v === 'string') {
      const e = templateError(v);
      if (e) errors.push({ field: `/inputMapping/${k}`, message: `is not a valid Mustache template: ${e}` });
    }
  }
  if (errors.length) throw invalid(errors);
  return {
    name: body.name, intent: body.intent, description: body.description ?? '', dataSchema: body.dataSchema, rules, executor: body.executor,
    inputMapping: body.inputMapping ?? null, templates, mayDecideAlone: body.mayDecideAlone ?? false,
  };
}
