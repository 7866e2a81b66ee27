// connectVersions (executors/code-runtime.ts): a version change of a deleted executor is nothing to do, but any other
// failure to read the executor reaches the write that changed it instead of passing for "deleted".
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { createWorkspace } from '../../src/workspaces/workspaces.service.js';
import { ExecutorsService } from '../../src/executors/executors.service.js';
import { connectVersions } from '../../src/executors/code-runtime.js';
import { ProblemError } from '../../src/errors.js';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import { DIALECTS, freshSchema, dropSchema, TEST_DATABASE_URL } from '../helpers/dialects.js';

const lookup = (url: string) => ({ name: 'lookup', type: 'apiCall' as const, apiCall: { method: 'GET' as const, url } });

describe.each(DIALECTS)('connectVersions on %s', (dialect) => {
  let store: Store | undefined;
  let schema: string | undefined;
  afterEach(async () => {
    await store?.close().catch(() => undefined);
    store = undefined;
    if (schema) {
      await dropSchema(schema);
      schema = undefined;
    }
  });

  async function setUp(onEvict: (s: Store) => Promise<void>) {
    schema = dialect === 'postgres' ? freshSchema() : undefined;
    const s = await openStore(dialect === 'postgres' ? { databaseUrl: TEST_DATABASE_URL, pgSchema: schema, pgPoolSize: 2 } : {});
    store = s;
    const ws = await createWorkspace(s.db, 'w', 'UTC');
    const executors = new ExecutorsService(s.db);
    const evicted: string[] = [];
    // The sandbox is not under test: an apiCall executor only has its warm workers dropped (evict), nothing built.
    const sandbox = { evict: async (prefix: string) => { evicted.push(prefix); await onEvict(s); } } as unknown as Sandbox;
    connectVersions(sandbox, executors, new Set());
    return { ws, executors, evicted };
  }

  it('a deleted executor is nothing to do: the delete succeeds', async () => {
    const { ws, executors, evicted } = await setUp(async () => undefined);
    await executors.apply(ws.id, lookup('http://127.0.0.1:9/a'), 'test');
    await expect(executors.delete(ws.id, 'lookup')).resolves.toBeUndefined();
    expect(evicted).toEqual([`${ws.id}/lookup/`, `${ws.id}/lookup/`]);
  });

  it('a database failure while reading the new version is not taken for "deleted": the write sees it', async () => {
    let failNext = false;
    const { ws, executors } = await setUp(async (s) => {
      // Between the commit and the read of the active version the database goes away.
      if (failNext) await s.close();
    });
    await executors.apply(ws.id, lookup('http://127.0.0.1:9/a'), 'test');
    failNext = true;
    const err = await executors.apply(ws.id, lookup('http://127.0.0.1:9/b'), 'test').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err instanceof ProblemError && err.code === 'NOT_FOUND').toBe(false);
  });
});
