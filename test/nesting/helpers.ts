// Helpers of the nesting suites: the token a running execution gets for ctx.api, minted here the way the SDK host
// mints it, and the health check every attack test ends with.
import { expect } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { createExecutionToken } from '../../src/auth/tokens.js';
import { registerRunning, type ParentCall } from '../../src/executors/nesting.js';
import { newId } from '../../src/ids.js';

export interface FakeExecution {
  token: string;
  call: ParentCall;
  /** Ends the fake execution (its token stops working). */
  end(): void;
}

/**
 * Registers a running execution (as the invoke pipeline does for every run) and mints its ctx.api token
 * (as the SDK host does): requests with the token behave exactly as those of real code.
 */
export async function fakeRunningExecution(s: TestServer, o: Partial<ParentCall> = {}): Promise<FakeExecution> {
  const executionId = o.executionId ?? newId('exe');
  const call: ParentCall = { executionId, rootId: executionId, depth: 0, deadline: Date.now() + 30_000, callPath: ['caller'], causationDepth: 0, ...o };
  const end = registerRunning(call);
  const token = await createExecutionToken(s.o.store.db, s.o.defaultWorkspaceId, executionId, call.deadline + 60_000);
  return { token, call, end };
}

/** After an attack: /healthz answers within 1 s and a normal request still works. */
export async function expectHealthy(s: TestServer): Promise<void> {
  const t0 = performance.now();
  const h = await s.o.app.inject({ method: 'GET', url: '/healthz' });
  expect(h.statusCode).toBe(200);
  expect(performance.now() - t0).toBeLessThan(1000);
  expect((await s.api('GET', '/api/executors')).status).toBe(200);
}
