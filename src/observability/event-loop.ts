// Event-loop lag of this process: p99/max gauges for /metrics and a /readyz check that remembers recent stalls.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** How often the lag histogram is read and reset (the granularity of "recently"). */
const SAMPLE_MS = 1_000;
/** Period of the drift probe that catches single stalls (a histogram reset can drop the delay it was about to record). */
const PROBE_MS = 50;

export interface EventLoopMonitor {
  /** Worst lag (ms) seen since the monitor started. */
  readonly worstMs: number;
  /** Readiness: unhealthy while a lag above the threshold happened within the window. */
  check(): Promise<{ ok: boolean; detail?: string }>;
  /** Reads the histogram now (tests; the sampler does it every second). */
  sample(): void;
  /** Starts judging stalls (from app ready on: start-up compiles route schemas synchronously, which is no stall). */
  arm(): void;
  stop(): void;
}

/** Starts monitoring; gauges `outrigger_event_loop_lag_p99_seconds` and `_max_seconds` cover the last sample window. */
export function startEventLoopMonitor(registry: Registry, opts: { thresholdMs: number; windowMs: number; now?: () => number }): EventLoopMonitor {
  const now = opts.now ?? Date.now;
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let lastP99 = 0;
  let lastMax = 0;
  // Prometheus scrapes every 15-60 s: the gauges report the worst since the previous scrape, not just the last second.
  let scrapeP99 = 0;
  let scrapeMax = 0;
  let worst = 0;
  let lastStall: { at: number; ms: number } | undefined;
  let armed = false;
  // A timer that measures how late it fires: a blocked loop makes it late by the length of the block.
  let probeMax = 0;
  let expected = performance.now() + PROBE_MS;
  const probe = setInterval(() => {
    const t = performance.now();
    probeMax = Math.max(probeMax, t - expected);
    expected = t + PROBE_MS;
  }, PROBE_MS);
  probe.unref();

  const sample = (): void => {
    // The histogram records nanoseconds; a stall in progress shows up on the first turn after it.
    const max = Math.max(histogram.count ? histogram.max / 1e6 : 0, probeMax);
    const p99 = histogram.count ? histogram.percentile(99) / 1e6 : 0;
    histogram.reset();
    probeMax = 0;
    lastP99 = p99;
    lastMax = max;
    scrapeP99 = Math.max(scrapeP99, p99);
    scrapeMax = Math.max(scrapeMax, max);
    worst = Math.max(worst, max);
    if (armed && max > opts.thresholdMs) lastStall = { at: now(), ms: max };
  };
  const timer = setInterval(sample, SAMPLE_MS);
  timer.unref();

  new Gauge({
    name: 'outrigger_event_loop_lag_p99_seconds', help: 'Event-loop lag, worst one-second 99th percentile since the previous scrape', registers: [registry],
    collect() {
      this.set(Math.max(scrapeP99, histogram.count ? histogram.percentile(99) / 1e6 : 0) / 1000);
      scrapeP99 = 0;
    },
  });
  new Gauge({
    name: 'outrigger_event_loop_lag_max_seconds', help: 'Event-loop lag, maximum since the previous scrape', registers: [registry],
    collect() {
      this.set(Math.max(scrapeMax, probeMax, histogram.count ? histogram.max / 1e6 : 0) / 1000);
      scrapeMax = 0;
    },
  });

  return {
    get worstMs() { return worst; },
    async check() {
      if (lastStall && now() - lastStall.at <= opts.windowMs) {
        return { ok: false, detail: `event-loop lag reached ${Math.round(lastStall.ms)} ms ${Math.round((now() - lastStall.at) / 1000)} s ago (threshold ${opts.thresholdMs} ms)` };
      }
      return { ok: true, detail: `lag p99 ${lastP99.toFixed(1)} ms, max ${lastMax.toFixed(1)} ms (last second)` };
    },
    sample,
    arm() {
      histogram.reset();
      probeMax = 0;
      expected = performance.now() + PROBE_MS;
      armed = true;
    },
    stop() {
      clearInterval(timer);
      clearInterval(probe);
      histogram.disable();
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The event-loop lag monitor of this app (tests read `worstMs`). */
    eventLoop: EventLoopMonitor;
  }
}
