// Cursor paging over `seq` (newest first): a full page means there may be more, and its last row is the cursor.

/** The cursor of the next page, or null when this page was the last. */
export function nextCursor(rows: ReadonlyArray<{ seq: number }>, limit: number): number | null {
  return rows.length === limit ? rows[rows.length - 1]!.seq : null;
}
