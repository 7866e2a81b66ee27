// For tests that execute bin/outrigger.js: fails them clearly when dist/ is missing or older than src/ (never builds).
import { inject } from 'vitest';
import { distProblem } from './dist.js';

/** Throws when dist/ is missing or stale (as found once by the global setup, or now when it did not run). */
export function requireBuiltDist(): void {
  const problem = inject('distProblem') ?? distProblem();
  if (problem) throw new Error(problem);
}
