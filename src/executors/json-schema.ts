// JSON Schema 2020-12 validation of executor input and output, with compiled validators cached by schema text.
import { Ajv2020, type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FieldError } from '../errors.js';
import { BoundedMap } from '../util/bounded-map.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ allErrors: true, strict: false, validateSchema: true });
addFormats(ajv);

const cache = new BoundedMap<string, ValidateFunction>(1000);

/** Compiles (or fetches from cache) a validator; throws when the schema itself is invalid. */
export function compileJsonSchema(schema: object): ValidateFunction {
  return cache.getOrCreate(JSON.stringify(schema), () => ajv.compile(schema));
}

/** Turns Ajv errors into field errors (`/path` plus message). */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, base = ''): FieldError[] {
  return (errors ?? []).map((e) => {
    let field = base + e.instancePath;
    if (e.keyword === 'required') field += `/${(e.params as { missingProperty: string }).missingProperty}`;
    if (e.keyword === 'additionalProperties') field += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
    return { field: field || '/', message: e.message ?? 'is invalid' };
  });
}

/** Validates a value; returns field errors or null when valid. */
export function validateAgainst(schema: object, value: unknown): FieldError[] | null {
  const fn = compileJsonSchema(schema);
  return fn(value) ? null : toFieldErrors(fn.errors);
}
