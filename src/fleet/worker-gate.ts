// The public face of a worker node: health, readiness and metrics only; every other path is a 404 problem+json.
// Code running on the worker still reaches the platform API in-process (ctx.api), marked with a per-process secret.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../errors.js';

/** Paths a worker answers from outside (load balancers, probes, Prometheus). */
const WORKER_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/** Header of the in-process calls of running code (app.inject); its value never leaves this process. */
export const INTERNAL_HEADER = 'x-outrigger-internal';

export interface WorkerGate {
  /** The header value that lets an in-process call through. */
  readonly secret: string;
  onRequest(req: FastifyRequest): Promise<void>;
}

/** Builds the gate with a fresh secret (one per process start). */
export function createWorkerGate(): WorkerGate {
  const secret = randomBytes(32).toString('hex');
  const expected = Buffer.from(secret);
  return {
    secret,
    async onRequest(req) {
      const path = req.url.split('?')[0]!;
      if (WORKER_PATHS.has(path)) return;
      const given = req.headers[INTERNAL_HEADER];
      if (typeof given === 'string' && given.length === secret.length && timingSafeEqual(Buffer.from(given), expected)) return;
      throw new ProblemError('NOT_FOUND', `no route ${req.method} ${path}: this is a worker node (--role worker), which serves only /healthz, /readyz and /metrics; the API is on the api nodes`);
    },
  };
}
