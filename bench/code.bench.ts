// Warm `code` invocations through the REST API per language: latency at one connection, throughput at 16.
import { api, load, type BenchServer, type LoadResult } from './lib.js';

export const TRIVIAL_HANDLERS = {
  python: 'def handler(input, ctx):\n    return {"ok": True, "n": input.get("n")}\n',
  node: 'export default async function handler(input) { return { ok: true, n: input.n }; }\n',
  php: '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { return ["ok" => true, "n" => $input["n"] ?? null]; }\n',
} as const;

export type Language = keyof typeof TRIVIAL_HANDLERS;

export interface WarmResult {
  p50Ms: number;
  p99Ms: number;
  rps: number;
  sequential: LoadResult;
  concurrent16: LoadResult;
}

/** Invokes a trivial handler: latency with one connection (sequential), throughput with 16 connections. */
export async function benchWarm(server: BenchServer, language: Language, n = 3000): Promise<WarmResult> {
  const name = `bench_warm_${language}`;
  await api(server, 'PUT', `/api/executors/${name}`, { name, type: 'code', code: { language, source: TRIVIAL_HANDLERS[language] } });
  const req = { method: 'POST' as const, path: `/api/executors/${name}/invoke`, headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{"input":{"n":1}}' };
  const ok = (b: string) => b.includes('"status":"ok"');
  await load(server.url, req, 300, 1, ok);
  const sequential = await load(server.url, req, n, 1, ok);
  await load(server.url, req, 300, 16, ok);
  const concurrent16 = await load(server.url, req, n * 2, 16, ok);
  if (sequential.errors || concurrent16.errors) throw new Error(`${language}: ${sequential.errors + concurrent16.errors} invocations failed`);
  return { p50Ms: sequential.p50Ms, p99Ms: sequential.p99Ms, rps: concurrent16.rps, sequential, concurrent16 };
}

/** Warm webhook calls (`POST /api/webhooks/{name}/call` → a trivial handler) at 16 connections. */
export async function benchWebhook(server: BenchServer, language: Language, n = 6000): Promise<LoadResult> {
  const name = `bench_hook_${language}`;
  await api(server, 'PUT', `/api/executors/${name}`, { name, type: 'code', code: { language, source: TRIVIAL_HANDLERS[language] } });
  await api(server, 'PUT', `/api/webhooks/${name}`, { executor: name });
  const req = { method: 'POST' as const, path: `/api/webhooks/${name}/call`, headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{"input":{"n":1}}' };
  const ok = (b: string) => b.includes('"executionId"');
  await load(server.url, req, 300, 16, ok);
  const r = await load(server.url, req, n, 16, ok);
  if (r.errors) throw new Error(`${language} webhook: ${r.errors} calls failed`);
  return r;
}
