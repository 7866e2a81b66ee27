// Authentication (bearer token -> principal) and authorisation (route permission vs role) for every route.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../store/index.js';
import { ProblemError } from '../errors.js';
import { authenticate, hashToken, type Principal } from './tokens.js';
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
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

export const authPlugin = fp(async (app: FastifyInstance, opts: AuthPluginOptions) => {
  const cache = new Map<string, { principal: Principal | null; until: number }>();
  app.decorateRequest('principal', null as unknown as Principal);

  /** Forget cached tokens (after a revocation in this process). */
  app.decorate('forgetTokens', () => cache.clear());

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    // The docs UI (static pages from @fastify/swagger-ui, no data) cannot carry route config; it is public like the OpenAPI document.
    if (config?.public || !request.routeOptions.url || request.routeOptions.url.startsWith('/api/docs')) return;
    const token = bearerToken(request);
    if (!token) throw new ProblemError('UNAUTHENTICATED', 'send Authorization: Bearer <token>');
    const key = hashToken(token);
    const now = Date.now();
    let hit = cache.get(key);
    if (!hit || hit.until < now) {
      hit = { principal: await authenticate(opts.db, token), until: now + CACHE_MS };
      if (cache.size >= CACHE_MAX) cache.clear();
      cache.set(key, hit);
    }
    if (!hit.principal) throw new ProblemError('UNAUTHENTICATED', 'the bearer token is unknown, revoked or expired');
    // An execution's token is good while that execution runs (its expiry is only the backstop).
    if (hit.principal.executionId !== undefined && !runningExecution(hit.principal.executionId)) {
      throw new ProblemError('UNAUTHENTICATED', 'the execution this token belongs to has ended');
    }
    request.principal = hit.principal;
    const permission: Permission = config?.permission ?? 'admin';
    if (!roleAllows(hit.principal.role, permission)) {
      throw new ProblemError('FORBIDDEN', `role ${hit.principal.role} may not do this (needs ${permission})`);
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
  }
}
