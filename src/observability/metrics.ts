// Prometheus metrics of one server: HTTP requests, invocations, and the default process metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { escapedErrors } from './process-guard.js';

export interface Metrics {
  registry: Registry;
  httpRequests: Histogram<'method' | 'route' | 'status'>;
  invocations: Counter<'type' | 'status' | 'trigger'>;
  invocationSeconds: Histogram<'type'>;
  /** Events written through the events service (API, ctx.emit, cron), by kind: platform, custom, cron. */
  eventsPublished: Counter<'kind'>;
  /** Finished delivery attempts by outcome: ok, retry, dead, refused (causation depth limit). */
  deliveries: Counter<'outcome'>;
  /** Claimed deliveries handed back to the queue because their worker's lease ran out or its heartbeat stopped. */
  deliveriesReclaimed: Counter<'reason'>;
  /** Delay from publishing an event to the start of its first delivery attempt. */
  deliveryStartDelay: Histogram;
}

/** A registry per app instance, so tests with several apps in one process do not collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'outrigger_' });
  new Gauge({
    name: 'outrigger_uncaught_errors_total',
    help: 'Exceptions and rejections that escaped every handler and were caught by the process guard (each one is a bug)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      for (const [kind, n] of Object.entries(escapedErrors())) this.set({ kind }, n);
    },
  });
  return {
    registry,
    httpRequests: new Histogram({ name: 'outrigger_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers: [registry] }),
    invocations: new Counter({ name: 'outrigger_invocations_total', help: 'Executor invocations by type, status and trigger', labelNames: ['type', 'status', 'trigger'], registers: [registry] }),
    invocationSeconds: new Histogram({ name: 'outrigger_invocation_duration_seconds', help: 'Executor run time', labelNames: ['type'], buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30], registers: [registry] }),
    eventsPublished: new Counter({ name: 'outrigger_events_published_total', help: 'Events published, by kind (platform, custom, cron)', labelNames: ['kind'], registers: [registry] }),
    deliveries: new Counter({ name: 'outrigger_event_deliveries_total', help: 'Event delivery attempts by outcome (ok, retry, dead, refused)', labelNames: ['outcome'], registers: [registry] }),
    deliveriesReclaimed: new Counter({ name: 'outrigger_event_deliveries_reclaimed_total', help: 'Claimed deliveries reclaimed from a worker, by reason (lease_expired, worker_silent)', labelNames: ['reason'], registers: [registry] }),
    deliveryStartDelay: new Histogram({ name: 'outrigger_event_delivery_start_delay_seconds', help: 'Delay from publishing an event to the start of its first delivery attempt', buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300], registers: [registry] }),
  };
}
