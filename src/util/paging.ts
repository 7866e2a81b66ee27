// Cursor paging over `seq` (newest first): the `?limit=&cursor=` query of every such list and its next cursor (a full
// page means there may be more, and its last row is the cursor).
import { Type } from '@sinclair/typebox';

export const DEFAULT_PAGE_LIMIT = 50;

/** The paging fields of a list's querystring schema (spread into it); the cursor is bounded so it always fits a bigint. */
export const SeqPaging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_LIMIT })),
  cursor: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'nextCursor of the previous page' })),
};

/** The page size asked for, or the default. */
export const pageLimit = (limit: number | undefined): number => limit ?? DEFAULT_PAGE_LIMIT;

/** The cursor of the next page, or null when this page was the last. */
export function nextCursor(rows: ReadonlyArray<{ seq: number }>, limit: number): number | null {
  return rows.length === limit ? rows[rows.length - 1]!.seq : null;
}
