// A warm handler-mode worker: one sandboxed interpreter serving invocations of one pool, strictly one at a time.
import { ChannelReader, InvocationState } from './channel.js';
import { classify } from './classify.js';
import type { CodeLanguage, CodeRunRequest, CodeRunResult, InspectRequest } from './contract.js';
import type { EgressProxy } from './egress/proxy.js';
import type { SandboxEnv } from './launch-spec.js';
import { RUNTIMES } from './runtimes/index.js';
import { launchSandbox } from './start-process.js';
import { SandboxProcess, type KillReason } from './supervisor.js';

export interface WorkerOptions {
  language: CodeLanguage;
  /** null for a pre-started spare: the source comes with load() when a pool takes it. */
  source: string | null;
  memoryMb: number;
  dependenciesDir?: string;
  egress: EgressProxy | null;
  /** Started under the language's debugger (`outrigger run --inspect`); such a worker serves one invocation. */
  inspect?: InspectRequest;
}

/**
 * An idle warm worker is frozen this long after its invocation returned. Freezing and thawing on every invocation
 * would put a thaw (about 0.8 ms on cgroup v1) on the warm path of back-to-back invocations; within this window the
 * worker is either serving again or frozen, and anything the code left behind runs at most this long, on the
 * worker's own CPU share (and a left-behind thread or timer recycles the worker anyway).
 */
export const FREEZE_AFTER_IDLE_MS = 25;

export class Worker {
  invocations = 0;
  lastUsed = Date.now();
  busy = false;
  /** Set once the worker must not serve again (error, limit, strays, evict); the pool then stops it. */
  retired = false;
  /**
   * Processes in the sandbox when idle: bwrap, its pid-1 init and the interpreter (+ what the runtime adds: PHP's forked egress relay).
   * More after an invocation means a process outlived it.
   */
  private readonly baselineTasks: number;
  /**
   * Threads in the sandbox after the first invocation (the user's module is imported during it, and libraries such
   * as OpenBLAS start their thread pools then). More after a later invocation means a thread outlived it.
   */
  private baselineThreads = 0;
  /**
   * pids.events max as read after the previous invocation (at start: 0, the group is new). Reading it once per
   * invocation instead of before and after is stricter, not weaker: a fork refused between two invocations (by
   * something left behind) is blamed on the next one.
   */
  private pidsHits = 0;
  private stderrTail = '';
  private readonly partialOut = { text: '' };
  private readonly partialErr = { text: '' };
  private settled: (() => void) | null = null;
  private freezeTimer: NodeJS.Timeout | null = null;
  private frozen = false;

  private constructor(
    private readonly env: SandboxEnv,
    readonly proc: SandboxProcess,
    private readonly reader: ChannelReader,
    readonly opts: WorkerOptions,
    private readonly cleanup: () => void,
  ) {
    this.baselineTasks = 3 + (RUNTIMES[opts.language].extraIdleTasks?.({ egress: Boolean(opts.egress) }) ?? 0);
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => this.reader.current?.raw('info', d, this.partialOut));
    proc.stderr.on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-8192);
      this.reader.current?.raw('error', d, this.partialErr);
    });
    proc.stderr.resume();
    reader.onSettled = () => this.settled?.();
    void proc.exited.then(() => {
      this.retired = true;
      this.settled?.();
    });
  }

  /** Starts the interpreter; it loads the user's code while the first invocation is already on its way. */
  static async start(env: SandboxEnv, opts: WorkerOptions): Promise<Worker> {
    const { proc, reader, cleanup } = await launchSandbox(env, {
      language: opts.language,
      mode: 'handler',
      source: opts.source ?? '',
      spare: opts.source === null,
      memoryMb: opts.memoryMb,
      cpuSeconds: env.limits.workerCpuSeconds,
      ...(opts.dependenciesDir ? { dependenciesDir: opts.dependenciesDir } : {}),
      ...(opts.egress ? { egressSocket: opts.egress.socketPath } : {}),
      ...(opts.inspect ? { inspect: opts.inspect } : {}),
    });
    return new Worker(env, proc, reader, opts, cleanup);
  }

  /** Resolves when a spare has booted and waits for code (rejects if it dies first). */
  booted(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('spare did not boot in time')), timeoutMs);
      this.reader.onReady = () => {
        clearTimeout(t);
        resolve();
      };
      void this.proc.exited.then(() => {
        clearTimeout(t);
        reject(new Error('spare exited while booting'));
      });
    });
  }

  /** Hands the user's code to a spare; the invocation that follows is queued behind it on the channel. */
  load(source: string): void {
    this.proc.toSandbox.write(JSON.stringify({ t: 'load', source }) + '\n');
  }

  /** Runs one invocation; the caller (pool) guarantees exclusivity and retires the worker when `retired` is set. */
  async invoke(req: CodeRunRequest, coldStart: boolean): Promise<CodeRunResult> {
    const started = Date.now();
    this.busy = true;
    this.invocations++;
    const { proc, env } = this;
    const st = new InvocationState(req.host, env.limits.logBytes, () => proc.kill('log'), req.onLog);
    this.reader.current = st;
    this.opts.egress?.resetDenials();
    const pidsHitsBefore = this.pidsHits;
    const timeoutMs = Math.max(1, Math.min(req.timeoutMs, req.execution.deadline - Date.now()));
    try {
      if (!proc.alive) throw new Error('worker is not running');
      // Frozen since shortly after the last invocation: nothing in it could run while it was not serving one.
      if (this.freezeTimer) clearTimeout(this.freezeTimer);
      this.freezeTimer = null;
      if (this.frozen) {
        proc.cgroup?.thaw();
        this.frozen = false;
      }
      const done = new Promise<void>((resolve) => (this.settled = resolve));
      proc.setDeadline(timeoutMs);
      proc.toSandbox.write(JSON.stringify({ t: 'invoke', input: req.input ?? null, execution: req.execution }) + '\n');
      await done;
      proc.clearDeadline();
      // A result that arrives together with the process' end is still inspected for limit breaches below.
      const res = st.result;
      const reported = st.reportedError();
      const { code: _c, message: _m, ...details } = reported ?? { code: '', message: '' };
      // After a kill (deadline, caps) wait for the end, so that the cgroup counters are final.
      const exit = proc.alive && !proc.killReason ? null : await proc.exited;
      const pidsHitsNow = proc.cgroup?.pidsLimitHits() ?? 0;
      this.pidsHits = pidsHitsNow;
      const error = classify({
        proc,
        limits: env.limits,
        timeoutMs,
        memoryMb: req.memoryMb,
        pidsHitsBefore,
        pidsHitsNow,
        reported: reported ? { code: reported.code, message: String(reported.message), details } : null,
        exit: res && !proc.killReason ? null : exit ?? (res ? null : { code: null, signal: null }),
        stderrTail: this.stderrTail,
        egressDenied: this.opts.egress?.denials() ?? [],
      });
      if (error || !res) {
        this.retired = true; // after any error the worker is recycled (SPEC 2.1)
        return this.finish(st, started, coldStart, { status: 'error', error: error ?? { code: 'RUNTIME_ERROR', message: 'the worker ended without a result' } });
      }
      const output = res.ok ? res.output : null;
      const size = JSON.stringify(output).length;
      if (size > env.limits.outputBytes) {
        this.retired = true;
        return this.finish(st, started, coldStart, { status: 'error', error: { code: 'OUTPUT_INVALID', message: `output exceeds the limit of ${env.limits.outputBytes} bytes` } });
      }
      if (this.invocations >= env.limits.maxInvocationsPerWorker) this.retired = true;
      // Processes, threads and timers started by the handler must not outlive the invocation: recycle instead of
      // letting them run on in the next one.
      if (res.lingering) this.retired = true;
      // Every process has at least one thread, so after the first invocation a stray process also raises the thread
      // count: the process list is read only the first time, when the thread baseline is taken.
      if (proc.cgroup) {
        const threads = proc.cgroup.threadCount();
        if (this.invocations === 1) {
          this.baselineThreads = threads;
          if (proc.taskCount() > this.baselineTasks) this.retired = true;
        } else if (threads > this.baselineThreads) this.retired = true;
      }
      return this.finish(st, started, coldStart, { status: 'ok', output });
    } finally {
      // Until the next invocation nothing in the sandbox gets CPU time (a retired worker is killed instead).
      if (!this.retired && proc.alive && proc.cgroup?.canFreeze) this.scheduleFreeze();
      this.reader.current = null;
      this.settled = null;
      this.busy = false;
      this.lastUsed = Date.now();
      this.stderrTail = '';
    }
  }

  private finish(st: InvocationState, started: number, coldStart: boolean, r: Pick<CodeRunResult, 'status' | 'output' | 'error'>): CodeRunResult {
    for (const p of [this.partialOut, this.partialErr]) {
      if (p.text) st.log(p === this.partialOut ? 'info' : 'error', p.text);
      p.text = '';
    }
    return { ...r, logs: st.logs, coldStart, durationMs: Date.now() - started };
  }

  private scheduleFreeze(): void {
    const timer = setTimeout(() => {
      this.freezeTimer = null;
      if (this.busy || this.retired || !this.proc.alive) return;
      this.frozen = this.proc.cgroup?.freeze() ?? false;
    }, FREEZE_AFTER_IDLE_MS);
    timer.unref();
    this.freezeTimer = timer;
  }

  /** Stops the worker and waits until nothing of it is left (cgroup removed). */
  async stop(reason: KillReason): Promise<void> {
    if (this.freezeTimer) clearTimeout(this.freezeTimer);
    this.freezeTimer = null;
    this.retired = true;
    this.proc.kill(reason);
    await this.proc.dispose();
    await this.opts.egress?.close();
    this.cleanup();
  }
}
