// Maps how a sandboxed run ended (kill reason, cgroup counters, exit, result) to the error codes of SPEC section 2.
import type { CodeRunResult } from './contract.js';
import type { SandboxLimits } from './limits.js';
import type { SandboxProcess } from './supervisor.js';

export interface RunEnd {
  proc: SandboxProcess;
  limits: SandboxLimits;
  timeoutMs: number;
  memoryMb: number;
  /** pids.events max before the run (the counter is per sandbox, workers run many invocations). */
  pidsHitsBefore: number;
  /** pids.events max now, when the caller already read it (a warm worker reads it once per invocation). */
  pidsHitsNow?: number;
  /** The error reported by the code itself, if any (RUNTIME_ERROR, OUTPUT_INVALID, OUT_OF_MEMORY from PHP). */
  reported: { code: string; message: string; details?: Record<string, unknown> } | null;
  /** The process exited during the run. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  stderrTail: string;
  egressDenied: string[];
}

type Err = NonNullable<CodeRunResult['error']>;

const NO_SPACE = /No space left on device|ENOSPC|errno=28/i;
const V8_OOM = /JavaScript heap out of memory|Reached heap limit|Allocation failed - process out of memory/;

/** The most specific cause wins: our own kills first, then kernel limits, then what the code said. */
export function classify(end: RunEnd): Err | null {
  const { proc, limits } = end;
  const reason = proc.killReason;
  if (reason === 'output') return { code: 'OUTPUT_INVALID', message: `output exceeds the limit of ${limits.outputBytes} bytes` };
  if (reason === 'log') return { code: 'LIMIT_EXCEEDED', message: `log output exceeds the limit of ${limits.logBytes} bytes`, details: { limit: 'log' } };
  if (proc.cgroup?.oomKilled()) return { code: 'OUT_OF_MEMORY', message: `memory limit of ${end.memoryMb} MB exceeded` };
  if (proc.cgroup && (end.pidsHitsNow ?? proc.cgroup.pidsLimitHits()) > end.pidsHitsBefore) {
    return { code: 'LIMIT_EXCEEDED', message: `process limit of ${limits.pids} reached`, details: { limit: 'pids' } };
  }
  if (reason === 'timeout') return { code: 'TIMEOUT', message: `execution exceeded ${end.timeoutMs} ms` };
  if (reason === 'protocol') {
    const why = proc.killDetail ?? 'unexpected message';
    return { code: 'RUNTIME_ERROR', message: `protocol violation: the sandbox sent a malformed or unexpected message on the SDK channel (${why})`, details: { protocolViolation: why } };
  }
  if (reason === 'evict' || reason === 'close') return { code: 'RUNTIME_ERROR', message: 'the worker was stopped (executor changed or server shutting down)' };
  const text = `${end.reported?.message ?? ''}\n${String(end.reported?.details?.stack ?? '')}\n${end.stderrTail}`;
  if ((end.reported || end.exit) && NO_SPACE.test(text)) {
    return { code: 'LIMIT_EXCEEDED', message: `/tmp size limit of ${limits.tmpBytes} bytes reached`, details: { limit: 'tmp', ...end.reported?.details } };
  }
  if ((end.reported || end.exit) && end.egressDenied.length > 0) {
    return { code: 'EGRESS_DENIED', message: `network access refused: ${end.egressDenied.join(', ')}`, details: { denied: end.egressDenied } };
  }
  if (end.reported) {
    const code = end.reported.code === 'OUT_OF_MEMORY' || end.reported.code === 'OUTPUT_INVALID' ? end.reported.code : 'RUNTIME_ERROR';
    return { code, message: end.reported.message, ...(end.reported.details ? { details: end.reported.details } : {}) };
  }
  if (end.exit) {
    if (V8_OOM.test(end.stderrTail)) return { code: 'OUT_OF_MEMORY', message: `memory limit of ${end.memoryMb} MB exceeded (JavaScript heap)` };
    if (end.exit.signal === 'SIGXCPU' || end.exit.code === 152) return { code: 'LIMIT_EXCEEDED', message: 'CPU time limit reached', details: { limit: 'cpu' } };
    const how = end.exit.signal ? `signal ${end.exit.signal}` : `exit code ${end.exit.code}`;
    const last = end.stderrTail.trim().split('\n').slice(-1)[0];
    return { code: 'RUNTIME_ERROR', message: last ? `${last} (${how})` : `the process ended with ${how}`, details: { stderr: end.stderrTail.slice(-4000) } };
  }
  return null;
}
