// Build status and log of the active version's dependencies, polled while the build runs.
import { useQuery } from '@tanstack/react-query';
import { api, enc } from '../lib/api';
import type { Dependencies } from '../lib/types';
import { Problem } from '../components/Problem';

export function DependenciesStatus({ name, version }: { name: string; version: number }) {
  const q = useQuery({
    queryKey: ['dependencies', name, version],
    queryFn: () => api<Dependencies>('GET', `/api/executors/${enc(name)}/dependencies`),
    refetchInterval: (query) => (query.state.data && ['pending', 'building'].includes(query.state.data.status) ? 1000 : false),
  });
  if (q.error) return <Problem error={q.error} />;
  if (!q.data) return null;
  return (
    <details className="deps">
      <summary>Dependencies: <span className={`status status-${q.data.status}`} data-testid="deps-status">{q.data.status}</span></summary>
      <pre className="log">{q.data.log || 'no build log'}</pre>
    </details>
  );
}
