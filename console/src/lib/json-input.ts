// Validates the test panel's JSON input as it is typed: JSON syntax first, then the executor's input schema (Ajv).
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

export interface InputProblem {
  /** JSON pointer of the offending value ('' for the whole input, or for a syntax error). */
  path: string;
  message: string;
}

export type InputCheck = { ok: true; value: unknown } | { ok: false; problems: InputProblem[] };

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
const compiled = new WeakMap<object, ValidateFunction | Error>();

function validatorFor(schema: object): ValidateFunction | Error {
  let v = compiled.get(schema);
  if (!v) {
    try {
      v = ajv.compile(schema);
    } catch (err) {
      v = err instanceof Error ? err : new Error(String(err));
    }
    compiled.set(schema, v);
  }
  return v;
}

/** Parses `text` and checks it against `schema` (none, or null: any JSON value is fine). */
export function checkInput(text: string, schema: object | null | undefined): InputCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  if (!schema) return { ok: true, value };
  const validate = validatorFor(schema);
  if (validate instanceof Error) return { ok: false, problems: [{ path: '', message: `the input schema is not valid: ${validate.message}` }] };
  if (validate(value)) return { ok: true, value };
  return {
    ok: false,
    problems: (validate.errors ?? []).map((e) => ({
      path: e.instancePath,
      message: e.keyword === 'required' ? `missing required property ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}` : (e.message ?? 'invalid'),
    })),
  };
}
