// The boundary rules of .dependency-cruiser.mjs fire: a small tree that breaks each rule once is linted with the
// project's own configuration and every violation is reported; the real src/ tree passes.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = path.join(ROOT, '.dependency-cruiser.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs depcruise in `cwd` on its src/ with the project's configuration; the violations it reports. */
async function cruise(cwd: string, extra: string[] = []): Promise<Violation[]> {
  const out = await run(process.execPath, [CLI, 'src', '--config', CONFIG, '--output-type', 'json', ...extra], { cwd, maxBuffer: 64 * 1024 * 1024 })
    // A tree with violations exits non-zero; the JSON report is on stdout either way.
    .catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return (JSON.parse(out.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** One file per entry: each import names the rule it breaks (in the comment) so a failure reads on its own. */
const FIXTURE: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  'src/errors.ts': 'export const E = 1;\n',
  'src/store/index.ts': 'export const db = 1;\n',
  'src/api/common.ts': "import { E } from '../errors.js';\nexport const common = E;\n",
  'src/orders/orders.table.ts': 'export interface OrdersTable { id: string }\n',
  'src/orders/orders.repository.ts': "import { db } from '../store/index.js';\nimport type { OrdersTable } from './orders.table.js';\nexport const find = (): OrdersTable | number => db;\n",
  'src/orders/orders.service.ts': "import { find } from './orders.repository.js';\nexport const orders = find;\n",
  // routes-call-services (store, repository) and routes-own-service (another feature's service)
  'src/billing/billing.routes.ts':
    "import { db } from '../store/index.js';\nimport { find } from '../orders/orders.repository.js';\nimport { orders } from '../orders/orders.service.js';\nimport { common } from '../api/common.js';\nexport const r = [db, find, orders, common];\n",
  // repository-private (a service reading another feature's repository and row type)
  'src/billing/billing.service.ts': "import { find } from '../orders/orders.repository.js';\nimport type { OrdersTable } from '../orders/orders.table.js';\nexport const s = find as unknown as OrdersTable;\n",
  'src/executors/invoke.service.ts': "export const invoke = 1;\n",
  'src/executors/executors.service.ts': "export const executors = 1;\n",
  'src/executors/executor-references.ts': "export const hold = 1;\n",
  'src/points/bindings/binding-store.ts': "import { hold } from '../../executors/executor-references.js';\nexport const store = hold;\n",
  // points-through-invoke (executors service) and executor-references-only-in-the-kit
  'src/points/tickets/tickets.service.ts':
    "import { invoke } from '../../executors/invoke.service.js';\nimport { executors } from '../../executors/executors.service.js';\nimport { hold } from '../../executors/executor-references.js';\nimport { store } from '../bindings/binding-store.js';\nexport const t = [invoke, executors, hold, store];\n",
  // host-through-its-ports (the host model reaching for a point's service instead of its own port)
  'src/host/replies.service.ts': "import { store } from '../points/bindings/binding-store.js';\nimport type { WebhookPort } from './webhook-port.js';\nexport const r = store as unknown as WebhookPort;\n",
  'src/host/webhook-port.ts': 'export interface WebhookPort { find(name: string): Promise<object | undefined> }\n',
  // sandbox-isolated (the store, the API, an upper executors module, Fastify)
  'src/executors/sandbox/run.ts':
    "import { db } from '../../store/index.js';\nimport { common } from '../../api/common.js';\nimport { invoke } from '../invoke.service.js';\nimport Fastify from 'fastify';\nexport const run = [db, common, invoke, Fastify];\n",
  // no-folder-cycles (alpha <-> beta) and no-module-cycles (the same two files)
  'src/alpha/a.ts': "import { b } from '../beta/b.js';\nexport const a = (): unknown => b;\n",
  'src/beta/b.ts': "import { a } from '../alpha/a.js';\nexport const b = (): unknown => a;\n",
};

describe('architecture boundaries (dependency-cruiser)', () => {
  let dir: string;
  let violations: Violation[];
  const found = (rule: string, from: string, to: string) =>
    violations.some((v) => v.rule.name === rule && v.from === from && (v.to === to || v.to.includes(to)));

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-boundaries-'));
    for (const [file, text] of Object.entries(FIXTURE)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    violations = await cruise(dir);
  }, 60_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('routes call their own service, never the store, a repository or another feature’s service', () => {
    expect(found('routes-call-services', 'src/billing/billing.routes.ts', 'src/store/index.ts')).toBe(true);
    expect(found('routes-call-services', 'src/billing/billing.routes.ts', 'src/orders/orders.repository.ts')).toBe(true);
    expect(found('routes-own-service', 'src/billing/billing.routes.ts', 'src/orders/orders.service.ts')).toBe(true);
  });

  it('repositories and row types are private to their feature', () => {
    expect(found('repository-private', 'src/billing/billing.service.ts', 'src/orders/orders.repository.ts')).toBe(true);
    expect(found('repository-private', 'src/billing/billing.service.ts', 'src/orders/orders.table.ts')).toBe(true);
    expect(found('repository-private', 'src/orders/orders.service.ts', 'src/orders/orders.repository.ts')).toBe(false);
  });

  it('integration points reach executors only through the invoke service (and the kit through executor references)', () => {
    expect(found('points-through-invoke', 'src/points/tickets/tickets.service.ts', 'src/executors/executors.service.ts')).toBe(true);
    expect(found('points-through-invoke', 'src/points/tickets/tickets.service.ts', 'src/executors/invoke.service.ts')).toBe(false);
    expect(found('executor-references-only-in-the-kit', 'src/points/tickets/tickets.service.ts', 'src/executors/executor-references.ts')).toBe(true);
    expect(violations.some((v) => v.from === 'src/points/bindings/binding-store.ts')).toBe(false);
  });

  it('the host model reaches the points only through a port it defines', () => {
    expect(found('host-through-its-ports', 'src/host/replies.service.ts', 'src/points/bindings/binding-store.ts')).toBe(true);
    expect(found('host-through-its-ports', 'src/host/replies.service.ts', 'src/host/webhook-port.ts')).toBe(false);
  });

  it('the sandbox knows nothing of the store, the API, the features above it or Fastify', () => {
    expect(found('sandbox-isolated', 'src/executors/sandbox/run.ts', 'src/store/index.ts')).toBe(true);
    expect(found('sandbox-isolated', 'src/executors/sandbox/run.ts', 'src/api/common.ts')).toBe(true);
    expect(found('sandbox-isolated', 'src/executors/sandbox/run.ts', 'src/executors/invoke.service.ts')).toBe(true);
    expect(found('sandbox-isolated', 'src/executors/sandbox/run.ts', 'fastify')).toBe(true);
  });

  it('folders and modules form no cycles', () => {
    expect(violations.some((v) => v.rule.name === 'no-folder-cycles' && [v.from, v.to].sort().join(' ') === 'src/alpha src/beta')).toBe(true);
    expect(found('no-module-cycles', 'src/alpha/a.ts', 'src/beta/b.ts')).toBe(true);
  });

  it('the source tree itself has no violation', async () => {
    expect(await cruise(ROOT)).toEqual([]);
  }, 60_000);
});
