// Shared helpers of the event suites: an apiCall executor pointed at an upstream, and waiting for a condition.
import type { TestServer } from '../helpers/server.js';

/** Creates an apiCall executor that POSTs its input to `url`. */
export async function createReceiver(s: TestServer, name: string, url: string): Promise<void> {
  const r = await s.api('POST', '/api/executors', { name, type: 'apiCall', apiCall: { method: 'POST', url } });
  if (r.status !== 201) throw new Error(`creating executor ${name}: ${r.status} ${r.raw}`);
}

/** Polls `probe` until it returns a truthy value (asynchronous delivery); fails after the deadline. */
export async function waitFor<T>(probe: () => Promise<T> | T, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
