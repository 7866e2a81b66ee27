// Time series of the dashboard: the server leaves empty buckets out; the charts need every slot of the window.

/** Every slot of the window, zero where the server listed none (it leaves empty buckets out). */
export function fillBuckets(points: { at: string; invocations: number; errors: number }[], end: number, slot: number, count: number) {
  const last = end - (end % slot);
  const byStart = new Map(points.map((p) => [Date.parse(p.at), p]));
  const times: number[] = [];
  const invocations: number[] = [];
  const errors: number[] = [];
  for (let t = last - (count - 1) * slot; t <= last; t += slot) {
    const p = byStart.get(t);
    times.push(t / 1000);
    invocations.push(p?.invocations ?? 0);
    errors.push(p?.errors ?? 0);
  }
  return { times, invocations, errors };
}
