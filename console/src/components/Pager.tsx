// Cursor paging of a newest-first list: older pages by the server's nextCursor, back to the newest page.
import { useState } from 'react';

/** The cursor of the page shown (undefined: the newest), and moves; the filter key resets it. */
export function usePager(filterKey: string) {
  const [state, setState] = useState<{ key: string; stack: (number | string)[] }>({ key: filterKey, stack: [] });
  const stack = state.key === filterKey ? state.stack : [];
  return {
    cursor: stack.at(-1),
    page: stack.length + 1,
    older: (next: number | string) => setState({ key: filterKey, stack: [...stack, next] }),
    newer: () => setState({ key: filterKey, stack: stack.slice(0, -1) }),
  };
}

export function PagerButtons({ pager, nextCursor, what }: { pager: ReturnType<typeof usePager>; nextCursor: number | string | null | undefined; what: string }) {
  if (pager.page === 1 && !nextCursor) return null;
  return (
    <nav className="row" aria-label={`pages of ${what}`}>
      {pager.page > 1 && <button type="button" className="link" onClick={pager.newer}>Newer {what}</button>}
      <span className="muted">page {pager.page}</span>
      {nextCursor != null && <button type="button" className="link" onClick={() => pager.older(nextCursor)}>Older {what}</button>}
    </nav>
  );
}
