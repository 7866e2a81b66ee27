// Authentication (bearer token -> principal) and authorisation (route permission vs role) for every route.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../store/index.js';
import { ProblemError } from '../errors.js';
import { authenticate, hashToken, verifyToken, type Principal } from './tokens.js';
import { isDatabaseUnavailable } from '../store/db-errors.js';
import { roleAllows, type Permission } from './roles.js';
import { runAsPartOf, runningExecution } from '../executors/nesting.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** The permission a route needs; routes without one are public only when `public` is set. */
    permission?: Permission;
    public?: boolean;
  }
}

/** How long a resolved token is trusted without a database lookup; bounds how late a revocation takes effect. */
const CACHE_MS = 5_000;
const CACHE_MAX = 10_000;

export interface AuthPluginOptions {
  db: Db;
  /**
   * How long after its last successful check a known token keeps working while the database cannot be asked
   * (an outage): requests that need no database still succeed, the rest answer 503. 0 turns this off.
   */
  staleMs?: number;
}

interface CachedToken {
  principal: Principal | null;
  expiresAt: number | null;
  verifiedAt: number;
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

export const authPlugin = fp(async (app: FastifyInstance, opts: AuthPluginOptions) => {
  // Insertion-ordered: the first key is the least recently verified, dropped when full (never all at once,
  // which during an outage would lock out every known token).
  const cache = new Map<string, CachedToken>();
  const staleMs = opts.staleMs ?? 60_000;
  app.decorateRequest('principal', null as unknown as Principal);

  /** Forget cached tokens (after a revocation in this process). */
  app.decorate('forgetTokens', () => cache.clear());

  /** The principal of a bearer token, uncached (routes that authenticate themselves: /mcp, /metrics). */
  app.decorate('authenticateBearer', (token: string) => authenticate(opts.db, token));

  /** The token's principal: cached for CACHE_MS; while the database is away, a known token's last answer (bounded by staleMs). */
  async function resolve(token: string): Promise<Principal | null> {
    const key = hashToken(token);
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && now - hit.verifiedAt <= CACHE_MS) return hit.principal;
    try {
      const found = await verifyToken(opts.db, token);
      cache.delete(key);
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
      cache.set(key, { principal: found?.principal ?? null, expiresAt: found?.expiresAt ?? null, verifiedAt: now });
      return found?.principal ?? null;
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      const usable = hit?.principal && now - hit.verifiedAt <= staleMs && (hit.expiresAt === null || hit.expiresAt >= now);
      if (usable) return hit.principal;
      throw new ProblemError('DATABASE_UNAVAILABLE', 'the database is unavailable, so the bearer token cannot be verified; retry shortly', { cause: err });
    }
  }

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    // The docs UI (static pages from @fastify/swagger-ui, no data) cannot carry route config; it is public like the OpenAPI document.
    if (config?.public || !request.routeOptions.url || request.routeOptions.url.startsWith('/api/docs')) return;
    const token = bearerToken(request);
    if (!token) throw new ProblemError('UNAUTHENTICATED', 'send Authorization: Bearer <token>');
    const principal = await resolve(token);
    if (!principal) throw new ProblemError('UNAUTHENTICATED', 'the bearer token is unknown, revoked or expired');
    // An execution's token is good while that execution runs (its expiry is only the backstop).
    if (principal.executionId !== undefined && !runningExecution(principal.executionId)) {
      throw new ProblemError('UNAUTHENTICATED', 'the execution this token belongs to has ended');
    }
    request.principal = principal;
    const permission: Permission = config?.permission ?? 'admin';
    if (!roleAllows(principal.role, permission)) {
      throw new ProblemError('FORBIDDEN', `role ${principal.role} may not do this (needs ${permission})`);
    }
  });

  // A request made by a running execution (ctx.api) runs as part of it, so that what it invokes or emits is nested
  // under that execution (nesting.ts). After body parsing: the handler and its awaits inherit this context.
  app.addHook('preValidation', (request, _reply, done) => {
    const id = request.principal?.executionId;
    if (id === undefined) return done();
    const caller = runningExecution(id);
    if (!caller) return done(new ProblemError('UNAUTHENTICATED', 'the execution this token belongs to has ended'));
    runAsPartOf(caller, () => done());
  });
}, { name: 'outrigger-auth' });

declare module 'fastify' {
  interface FastifyInstance {
    forgetTokens(): void;
    authenticateBearer(token: string): Promise<Principal | null>;
  }
}
