// Operational routes outside /api: liveness, readiness and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../store/index.js';
import type { Metrics } from '../observability/metrics.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

export async function systemRoutes(app: FastifyInstance, opts: { db: Db; metrics: Metrics; version: string; checks: ReadinessCheck[] }): Promise<void> {
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok', version: opts.version }));

  app.get('/readyz', { config: { permission: 'any' }, schema: { hide: true } }, async (_req, reply) => {
    const results: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await sql`select 1`.execute(opts.db);
      results.database = { ok: true };
    } catch (err) {
      results.database = { ok: false, detail: (err as Error).message };
    }
    for (const c of opts.checks) {
      try {
        results[c.name] = await c.check();
      } catch (err) {
        results[c.name] = { ok: false, detail: (err as Error).message };
      }
    }
    const ok = Object.values(results).every((r) => r.ok);
    reply.code(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'not ready', checks: results };
  });

  // Like every route but /healthz, metrics need a token (Prometheus: `authorization: {credentials: …}`).
  app.get('/metrics', { config: { permission: 'any' }, schema: { hide: true } }, async (_req, reply) => {
    reply.type(opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
}
