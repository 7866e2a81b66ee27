// Versions of an executor: message and author, a side-by-side diff of any version against the active one, rollback.
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, enc } from '../lib/api';
import type { Executor, VersionInfo } from '../lib/types';
import { DiffView } from '../components/DiffView';
import { Problem } from '../components/Problem';
import { useSession } from '../session';

/** What a diff compares: the source and the rest of the definition as stable JSON. */
function comparable(e: Executor): string {
  const { code, ...rest } = e.definition;
  const { source, ...codeRest } = code ?? { source: '' };
  return `${source}\n--- definition ---\n${JSON.stringify({ ...rest, code: codeRest }, null, 2)}\n`;
}

export function VersionsPanel({ executor }: { executor: Executor }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [compare, setCompare] = useState<number | null>(null);
  const versions = useQuery({ queryKey: ['versions', executor.name], queryFn: () => api<{ items: VersionInfo[] }>('GET', `/api/executors/${enc(executor.name)}/versions`) });
  const other = useQuery({
    queryKey: ['executor', executor.name, 'version', compare],
    queryFn: () => api<Executor>('GET', `/api/executors/${enc(executor.name)}/versions/${compare}`),
    enabled: compare !== null,
  });
  const rollback = useMutation({
    mutationFn: (version: number) => api<Executor>('POST', `/api/executors/${enc(executor.name)}/rollback`, { version }),
    onSuccess: async () => {
      setCompare(null);
      await queryClient.invalidateQueries({ queryKey: ['executor', executor.name] });
      await queryClient.invalidateQueries({ queryKey: ['versions', executor.name] });
      await queryClient.invalidateQueries({ queryKey: ['executors'] });
    },
  });

  return (
    <section className="card" aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      <Problem error={versions.error ?? rollback.error} />
      <table className="grid" data-testid="versions">
        <thead><tr><th>Version</th><th>Message</th><th>By</th><th><span className="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {(versions.data?.items ?? []).map((v) => (
            <tr key={v.version}>
              <td>v{v.version}{v.active && <strong> (active)</strong>}</td>
              <td>{v.message ?? ''}</td>
              <td>{v.createdBy}</td>
              <td>
                {!v.active && <button type="button" className="link" onClick={() => setCompare(v.version)}>Diff v{v.version}</button>}
                {!v.active && can('executors:write') && (
                  <button type="button" className="link" disabled={rollback.isPending} onClick={() => rollback.mutate(v.version)}>Roll back to v{v.version}</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {compare !== null && other.data && (
        <DiffView before={comparable(other.data)} after={comparable(executor)} leftTitle={`v${compare}`} rightTitle={`v${executor.activeVersion} (active)`} />
      )}
      {other.error && <Problem error={other.error} />}
    </section>
  );
}
