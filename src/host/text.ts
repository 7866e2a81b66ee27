// String schemas for text that lands in plain text columns: PostgreSQL text cannot hold NUL, so it is refused as
// input (400) instead of failing in the database (500).
import { Type } from '@sinclair/typebox';

/** A pattern matching any string without NUL characters. */
export const NUL_FREE = '^[^\\u0000]*$';

/** A NUL-free string of `min`..`max` characters. */
export const Text = (max: number, min = 1) => Type.String({ minLength: min, maxLength: max, pattern: NUL_FREE });

/** Ids of host records in paths (`tkt_…`, `prf_…`, `cnv_…`, `rpl_…`). */
export const HostId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });
export const HostIdParams = Type.Object({ id: HostId });
