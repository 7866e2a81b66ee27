// Schemas shared by several route files (path params, paging, the problem body).
import { Type } from '@sinclair/typebox';
import { ResourceName } from '../names.js';
import { invalid } from '../errors.js';

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

/** `from`/`to` of a list filter: ISO 8601 date-times, `from` inclusive and `to` exclusive. */
export const TimeRange = {
  from: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'inclusive lower bound (ISO 8601)' })),
  to: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'exclusive upper bound (ISO 8601)' })),
};

/** Epoch ms of a validated `from`/`to`; one JavaScript cannot place in time, or a range ending before it starts, is a 400. */
export function epochRange(q: { from?: string; to?: string }): { from?: number; to?: number } {
  const errors: { field: string; message: string }[] = [];
  const read = (field: 'from' | 'to'): number | undefined => {
    const v = q[field];
    if (v === undefined) return undefined;
    // RFC 3339 allows a lower-case t/z and a leap second, which Date.parse does not read: NaN must never reach SQL.
    const ms = Date.parse(v.toUpperCase());
    if (Number.isNaN(ms)) errors.push({ field: `/${field}`, message: 'is not a date-time this server can read' });
    return ms;
  };
  const from = read('from');
  const to = read('to');
  if (!errors.length && from !== undefined && to !== undefined && to < from) errors.push({ field: '/to', message: 'must not be before from' });
  if (errors.length) throw invalid(errors);
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}
