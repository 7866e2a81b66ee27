// apiCall overhead: invoking through Outrigger's REST API vs calling the same upstream directly with undici.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, load, round, type BenchServer, type LoadResult } from './lib.js';

async function upstream(delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const body = JSON.stringify({ customerNumber: 'C-1', contracts: [{ contractNumber: 'V-1' }] });
  const server = http.createServer((_req, res) => {
    const send = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    };
    if (delayMs) setTimeout(send, delayMs);
    else send();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

export interface ApiCallComparison {
  direct: LoadResult;
  viaOutrigger: LoadResult;
  ratioP50: number;
  overheadP50Ms: number;
}

/**
 * Direct vs through-Outrigger latency against an instant upstream and one answering in 10 ms (a fast ERP),
 * with `connections` parallel clients; `sequential10ms` repeats the 10 ms case with one connection (no queueing).
 */
export async function benchApiCall(server: BenchServer, n = 2000, connections = 8): Promise<{ upstream0ms: ApiCallComparison; upstream10ms: ApiCallComparison; sequential10ms: ApiCallComparison }> {
  const out: Record<string, ApiCallComparison> = {};
  for (const delay of [0, 10]) {
    const up = await upstream(delay);
    const name = `bench_api_${delay}`;
    await api(server, 'PUT', `/api/executors/${name}`, { name, type: 'apiCall', apiCall: { method: 'GET', url: `${up.url}/c` } });
    const count = delay ? Math.min(n, 800) : n;
    await load(up.url, { method: 'GET', path: '/c' }, 200, connections);
    const direct = await load(up.url, { method: 'GET', path: '/c' }, count, connections);
    const req = { method: 'POST' as const, path: `/api/executors/${name}/invoke`, headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{"input":{"contractNumber":"V-1"}}' };
    await load(server.url, req, 200, connections);
    const via = await load(server.url, req, count, connections, (b) => b.includes('"status":"ok"'));
    out[`upstream${delay}ms`] = { direct, viaOutrigger: via, ratioP50: round(via.p50Ms / direct.p50Ms), overheadP50Ms: round(via.p50Ms - direct.p50Ms, 3) };
    if (delay) {
      const d1 = await load(up.url, { method: 'GET', path: '/c' }, 300, 1);
      const v1 = await load(server.url, req, 300, 1, (b) => b.includes('"status":"ok"'));
      out.sequential10ms = { direct: d1, viaOutrigger: v1, ratioP50: round(v1.p50Ms / d1.p50Ms), overheadP50Ms: round(v1.p50Ms - d1.p50Ms, 3) };
    }
    await up.close();
  }
  return out as { upstream0ms: ApiCallComparison; upstream10ms: ApiCallComparison; sequential10ms: ApiCallComparison };
}
