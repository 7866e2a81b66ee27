// Latency of a customer search with two apiCall sources (local upstreams), cold (noCache) and cached; run with `npx tsx bench/recognition-search.ts`.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { createOutrigger } from '../src/server.js';

const N = Number(process.env.N ?? 500);
const TOKEN = 'otr_bench_admin_token_0123456789abcdef';

async function upstream(body: unknown): Promise<{ url: string; close(): void }> {
  const text = JSON.stringify(body);
  const server = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(text); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

function pct(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! * 100) / 100;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-bench-'));
  const databaseUrl = process.env.DATABASE_URL;
  // A schema of its own on PostgreSQL, dropped at the end, so the bench never touches real data.
  const pgSchema = databaseUrl ? `bench_${process.pid}` : undefined;
  const o = await createOutrigger(loadConfig({}, { dataDir, databaseUrl, adminToken: TOKEN, egressAllowCidrs: ['127.0.0.1/32'], logLevel: 'warn' }), { logger: false, pgSchema });
  const a = await upstream({ customers: [{ customerNumber: 'C-1', name: 'Anna Schmidt', score: 0.9, contracts: [{ contractNumber: 'K-1' }] }] });
  const b = await upstream({ customers: [{ customerNumber: 'C-1', name: 'A. Schmidt', phone: '1', contracts: [{ contractNumber: 'K-2' }] }, { customerNumber: 'C-2', name: 'B', contracts: [] }] });
  const call = async (method: string, url: string, payload?: unknown) => {
    const r = await o.app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${TOKEN}` }, ...(payload ? { payload: payload as object } : {}) });
    if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    return JSON.parse(r.body);
  };
  for (const [name, up] of [['src_a', a], ['src_b', b]] as const) {
    await call('POST', '/api/executors', { name: `${name}_exec`, type: 'apiCall', apiCall: { method: 'GET', url: `${up.url}/q` } });
    await call('POST', '/api/customer-recognition/sources', { name, kind: 'freeText', executor: `${name}_exec` });
  }
  const measure = async (noCache: boolean) => {
    const times: number[] = [];
    for (let i = 0; i < N + 20; i++) {
      const t0 = performance.now();
      const r = await call('POST', '/api/customer-recognition/search', { kind: 'freeText', query: 'anna schmidt', noCache });
      if (r.cached === noCache || r.customers.length !== 2) throw new Error('unexpected answer');
      if (i >= 20) times.push(performance.now() - t0); // the first 20 warm up connections and JIT
    }
    times.sort((x, y) => x - y);
    return { p50Ms: pct(times, 0.5), p99Ms: pct(times, 0.99), n: times.length };
  };
  const cold = await measure(true);
  const cached = await measure(false);
  const result = { date: new Date().toISOString(), machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`, store: databaseUrl ? 'postgres' : 'sqlite', sources: 2, coldNoCache: cold, cached };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  a.close();
  b.close();
  if (pgSchema) await o.store.db.schema.dropSchema(pgSchema).ifExists().cascade().execute();
  await o.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
