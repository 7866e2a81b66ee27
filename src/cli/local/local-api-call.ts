// apiCall executors in local runs: the server's api-call module (templating, signing, response mapping), on this
// machine's network. The server's address policy guards tenants from its internal network; a local run is the
// developer's own request from their own machine, so every address is allowed (a local ERP on 127.0.0.1 included).
import crypto from 'node:crypto';
import { Agent } from 'undici';
import { InvocationError } from '../../errors.js';
import type { ExecutorDefinition } from '../../executors/definition.js';
import { runApiCall } from '../../executors/api-call/index.js';
import type { LogLine } from '../../executors/sandbox/contract.js';
import { VERSION } from '../../version.js';
import { nowIso } from '../../util/time.js';

let agent: Agent | undefined;

/** Sends the request of an apiCall executor; secrets come from the local secrets map. */
export async function runLocalApiCall(def: ExecutorDefinition, input: unknown, secrets: Map<string, string>, deadline: number): Promise<{ status: 'ok' | 'error'; output?: unknown; error?: { code: string; message: string; details?: Record<string, unknown> }; logs: LogLine[] }> {
  agent ??= new Agent({ connections: 8 });
  const logs: LogLine[] = [];
  const id = `local_${crypto.randomUUID()}`;
  try {
    const output = await runApiCall(def, input, {
      executionId: id, rootId: id, workspaceId: 'local', executorName: def.name, version: 0, trigger: 'test', attempt: 1,
      idempotencyKey: id, deadline, depth: 0, causationDepth: 0, callPath: [def.name], logs,
      log: (level, message) => logs.push({ level, message, ts: nowIso() }),
      revealSecrets: async (names) => new Map(names.filter((n) => secrets.has(n)).map((n) => [n, secrets.get(n)!])),
      revealedValues: () => [...secrets.values()],
    }, { dispatcher: agent, policy: { allows: () => true, ranges: [] }, userAgent: `outrigger/${VERSION} (local run)` });
    return { status: 'ok', output, logs };
  } catch (err) {
    if (!(err instanceof InvocationError)) throw err;
    return { status: 'error', error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) }, logs };
  }
}

/** Closes the connections of local apiCall runs (so that the CLI process can exit). */
export async function closeLocalApiCalls(): Promise<void> {
  await agent?.close();
  agent = undefined;
}
