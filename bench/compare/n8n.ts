// Side-by-side comparison with n8n on this machine: n8n's Webhook → Code node against our webhook → Node handler,
// same load generator, same body, one after the other. Runs only where n8n is installed:
//
//   npm install --prefix bench/compare/n8n   (n8n 2.8.4 pinned in bench/compare/n8n/package.json; a few minutes)
//   npx tsx bench/compare/n8n.ts             (or `npm run bench`, which runs it when n8n is there; N8N_BIN elsewhere)
//
// n8n 2.8.4 is the newest release that runs on Node 20 (with xlsx pinned to 0.18.5 by an override). Its defaults are
// kept (SQLite, executions saved, the Code node in its task runner), as ours are (SQLite, every execution recorded,
// the handler in the bwrap sandbox).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchWebhook } from '../code.bench.js';
import { load, rssMb, startServer, type LoadResult } from '../lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? 200 : 2000;

/** Where n8n's binary is: N8N_BIN, or the local install under bench/compare/n8n. */
export function n8nBinary(): string | null {
  const candidates = [process.env.N8N_BIN, path.join(HERE, 'n8n', 'node_modules', '.bin', 'n8n')].filter((c): c is string => !!c);
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

const WORKFLOW_ID = 'outriggerBench01';
/** The n8n counterpart of our trivial handler: a production webhook answering with the Code node's output. */
const WORKFLOW = {
  id: WORKFLOW_ID,
  name: 'outrigger-bench-echo',
  active: true,
  settings: { executionOrder: 'v1' },
  nodes: [
    {
      id: 'a0000000-0000-4000-8000-000000000001', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0],
      webhookId: 'b0000000-0000-4000-8000-000000000001',
      parameters: { httpMethod: 'POST', path: 'bench', responseMode: 'lastNode', responseData: 'firstEntryJson', options: {} },
    },
    {
      id: 'a0000000-0000-4000-8000-000000000002', name: 'Code', type: 'n8n-nodes-base.code', typeVersion: 2, position: [220, 0],
      parameters: { jsCode: 'return $input.all().map((item) => ({ json: { ok: true, n: item.json.body.input.n } }));' },
    },
  ],
  connections: { Webhook: { main: [[{ node: 'Code', type: 'main', index: 0 }]] } },
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`n8n exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`n8n did not answer ${url} within ${timeoutMs} ms`);
}

/** n8n registers the production webhook a while after /healthz answers: wait for five good calls in a row. */
async function webhookAnswering(url: string, body: string, child: ChildProcess): Promise<void> {
  const until = Date.now() + 120_000;
  let good = 0;
  while (good < 5) {
    if (child.exitCode !== null) throw new Error(`n8n exited with ${child.exitCode}`);
    if (Date.now() > until) throw new Error(`n8n's webhook ${url} did not answer 200 within 120 s`);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => null);
    good = res?.status === 200 ? good + 1 : 0;
    await res?.body?.cancel();
    if (good === 0) await new Promise((r) => setTimeout(r, 500));
  }
}

export interface N8nComparison {
  n8nVersion: string;
  n8n: { seq: LoadResult; c16: LoadResult; rssMb: number };
  outrigger: { seq: LoadResult; c16: LoadResult };
  ratioRps16: number;
  ratioP50: number;
}

/** Runs both, n8n first; null when n8n is not installed. */
export async function compareWithN8n(): Promise<N8nComparison | null> {
  const bin = n8nBinary();
  if (!bin) return null;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-n8n-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: home, N8N_USER_FOLDER: home, N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_DIAGNOSTICS_ENABLED: 'false', N8N_VERSION_NOTIFICATIONS_ENABLED: 'false', N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_LOG_LEVEL: 'warn', N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false', DB_SQLITE_POOL_SIZE: '2',
  };
  const wf = path.join(home, 'workflow.json');
  fs.writeFileSync(wf, JSON.stringify([WORKFLOW]));
  const version = execFileSync(bin, ['--version'], { env, encoding: 'utf8' }).trim();
  execFileSync(bin, ['import:workflow', `--input=${wf}`], { env, stdio: 'ignore' });
  // 2.x replaced `update:workflow --active` by publishing; both exist in some releases.
  try {
    execFileSync(bin, ['publish:workflow', `--id=${WORKFLOW_ID}`], { env, stdio: 'ignore' });
  } catch {
    execFileSync(bin, ['update:workflow', `--id=${WORKFLOW_ID}`, '--active=true'], { env, stdio: 'ignore' });
  }
  const child = spawn(bin, ['start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, child, 120_000);
    const origin = `http://127.0.0.1:${port}`;
    const req = { method: 'POST' as const, path: '/webhook/bench', headers: { 'content-type': 'application/json' }, body: '{"input":{"n":1}}' };
    const ok = (b: string) => b.includes('"ok":true');
    await webhookAnswering(origin + req.path, req.body, child);
    await load(origin, req, 50, 1, ok);
    const seq = await load(origin, req, N, 1, ok);
    await load(origin, req, 50, 16, ok);
    const c16 = await load(origin, req, N, 16, ok);
    const n8nRss = rssMb(child.pid!);
    if (seq.errors || c16.errors) throw new Error(`n8n: ${seq.errors + c16.errors} webhook calls failed`);
    const ours = await startServer({ OUTRIGGER_SANDBOX: 'required' });
    try {
      const seqOurs = await benchWebhookAt(ours, 1);
      const c16Ours = await benchWebhook(ours, 'node', N * 2);
      return {
        n8nVersion: version,
        n8n: { seq, c16, rssMb: n8nRss },
        outrigger: { seq: seqOurs, c16: c16Ours },
        ratioRps16: Math.round((c16Ours.rps / c16.rps) * 10) / 10,
        ratioP50: Math.round((seq.p50Ms / seqOurs.p50Ms) * 10) / 10,
      };
    } finally {
      await ours.stop();
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Our webhook at one connection (benchWebhook measures 16): the same executor and body. */
async function benchWebhookAt(server: Awaited<ReturnType<typeof startServer>>, connections: number): Promise<LoadResult> {
  await benchWebhook(server, 'node', 300);
  const req = { method: 'POST' as const, path: '/api/webhooks/bench_hook_node/call', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{"input":{"n":1}}' };
  return load(server.url, req, N, connections, (b) => b.includes('"executionId"'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await compareWithN8n();
  if (!r) {
    console.error('n8n is not installed: see the top of bench/compare/n8n.ts');
    process.exit(2);
  }
  console.log(JSON.stringify(r, null, 2));
}
