// Retry policies of event hooks: attempts, a fixed schedule or exponential back-off, with jitter.

export type RetrySchedule = number[] | { backoff: 'exponential'; baseMs: number; maxMs: number; jitter?: number };

export interface RetryPolicy {
  /** Total attempts including the first. */
  attempts: number;
  /** Delays before the 2nd, 3rd … attempt (the last repeats), or exponential back-off. */
  schedule?: RetrySchedule;
}

/** Like Svix: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts, about 28 h in all). */
export const DEFAULT_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
export const DEFAULT_RETRY: Required<RetryPolicy> = { attempts: DEFAULT_SCHEDULE_MS.length + 1, schedule: DEFAULT_SCHEDULE_MS };
/** Jitter of the default schedule, so that a burst of failures does not retry in lockstep. */
const DEFAULT_JITTER = 0.1;

/** The policy with defaults applied. */
export function effectiveRetry(p: RetryPolicy | null | undefined): Required<RetryPolicy> {
  if (!p) return DEFAULT_RETRY;
  return { attempts: p.attempts, schedule: p.schedule ?? DEFAULT_SCHEDULE_MS };
}

/**
 * Delay after a failed attempt `attempt` (1-based, counted within the current budget) before the next one.
 * A custom fixed schedule is used as given (predictable for tests and operators); the default schedule and
 * exponential back-off get ±jitter.
 */
export function retryDelayMs(p: Required<RetryPolicy>, attempt: number, random: () => number = Math.random): number {
  const s = p.schedule;
  if (Array.isArray(s)) {
    const base = s.length ? s[Math.min(attempt - 1, s.length - 1)]! : 0;
    return s === DEFAULT_SCHEDULE_MS ? Math.round(base * (1 + DEFAULT_JITTER * (2 * random() - 1))) : base;
  }
  const raw = Math.min(s.maxMs, s.baseMs * 2 ** (attempt - 1));
  const jitter = s.jitter ?? 0.2;
  return Math.max(0, Math.min(s.maxMs, Math.round(raw * (1 + jitter * (2 * random() - 1)))));
}
