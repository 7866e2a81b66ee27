// Side-by-side diff of two versions' text, one row per line pair.
import { diffRows } from '../lib/diff-rows';

export function DiffView({ before, after, leftTitle, rightTitle }: { before: string; after: string; leftTitle: string; rightTitle: string }) {
  const rows = diffRows(before, after);
  return (
    <table className="diff" aria-label={`diff of ${leftTitle} and ${rightTitle}`}>
      <thead>
        <tr>
          <th colSpan={2} scope="colgroup">{leftTitle}</th>
          <th colSpan={2} scope="colgroup">{rightTitle}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i} className={`diff-${row.kind}`}>
            <td className="ln">{row.left?.n ?? ''}</td>
            <td className={row.left && row.kind !== 'same' ? 'del' : ''}><pre>{row.left?.text ?? ''}</pre></td>
            <td className="ln">{row.right?.n ?? ''}</td>
            <td className={row.right && row.kind !== 'same' ? 'ins' : ''}><pre>{row.right?.text ?? ''}</pre></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
