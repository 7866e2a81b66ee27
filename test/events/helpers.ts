// Shared helpers of the event suites: an apiCall executor pointed at an upstream, and waiting for a condition.
import type { TestServer } from '../helpers/server.js';

/** Creates an apiCall executor that POSTs its input to `url`. */
export async function createReceiver(s: TestServer, name: string, url: string): Promise<void> {
  const r = await s.api('POST', '/api/executors', { name, type: 'apiCall', apiCall: { method: 'POST', url } });
  if (r.status !== 201) throw new Error(`creating executor ${name}: ${r.status} ${r.raw}`);
}

export { waitFor } from '../helpers/wait.js';
