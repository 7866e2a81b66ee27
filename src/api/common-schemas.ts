// Schemas shared by several route files (path params, paging, the problem body).
import { Type } from '@sinclair/typebox';
import { ResourceName } from '../names.js';

export const NameParams = Type.Object({ name: ResourceName });
// No NUL: PostgreSQL text cannot hold it, and a lookup with one would fail as a 500 instead of a 404/400.
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000]+$' }) });

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
}, { additionalProperties: true, $id: 'Problem', description: 'RFC 9457 problem details' });

/** An input object for an invocation. */
export const InvocationInput = Type.Record(Type.String(), Type.Unknown(), { description: 'the input object' });
