// Operational routes outside /api: liveness, readiness and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Metrics } from '../observability/metrics.js';
import type { ReadinessCheck } from '../observability/readiness.js';
import { ProblemError } from '../errors.js';
import { hashToken } from '../auth/tokens.js';
import { bearerToken } from '../auth/auth.plugin.js';

export async function systemRoutes(app: FastifyInstance, opts: { metrics: Metrics; version: string; checks: ReadinessCheck[]; metricsToken?: string }): Promise<void> {
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok', version: opts.version }));

  const checks = opts.checks;

  app.get('/readyz', { config: { permission: 'any' }, schema: { hide: true } }, async (_req, reply) => {
    const results: Record<string, { ok: boolean; detail?: string }> = {};
    // In parallel: a slow database check must not delay the others (each bounds itself).
    await Promise.all(checks.map(async (c) => {
      try {
        results[c.name] = await c.check();
      } catch (err) {
        results[c.name] = { ok: false, detail: (err as Error).message };
      }
    }));
    const failing = checks.filter((c) => !results[c.name]!.ok).map((c) => c.name);
    reply.code(failing.length ? 503 : 200);
    if (failing.length) reply.header('retry-after', '2');
    return { status: failing.length ? 'not ready' : 'ready', ...(failing.length ? { failing } : {}), checks: results };
  });

  // Metrics are server-wide (every workspace's counts), so a workspace's viewer or an execution's token may not
  // read them: an admin token, or the separate scrape token OUTRIGGER_METRICS_TOKEN (Prometheus:
  // `authorization: {credentials: …}`). Checked here, not by the auth hook, because the scrape token is no API token.
  const metricsTokenHash = opts.metricsToken ? Buffer.from(hashToken(opts.metricsToken), 'hex') : undefined;
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const token = bearerToken(req);
    if (!token) throw new ProblemError('UNAUTHENTICATED', 'send Authorization: Bearer <admin or metrics token>');
    // Comparing hashes of equal length in constant time: the scrape token cannot be guessed byte by byte.
    const isScrapeToken = metricsTokenHash !== undefined && timingSafeEqual(Buffer.from(hashToken(token), 'hex'), metricsTokenHash);
    if (!isScrapeToken) {
      const principal = await app.authenticateBearer(token);
      if (!principal) throw new ProblemError('UNAUTHENTICATED', 'the bearer token is unknown, revoked or expired');
      if (principal.role !== 'admin') throw new ProblemError('FORBIDDEN', `role ${principal.role} may not read /metrics (needs an admin token or the metrics token)`);
    }
    reply.type(opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
}
