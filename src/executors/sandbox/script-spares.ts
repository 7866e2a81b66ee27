// Script spares: per language, pre-started, never-used script-mode sandboxes; each serves exactly one run and dies with it.
//
// Why this keeps script mode's guarantees (SPEC 2.1, nothing survives an invocation): a spare is launched exactly like
// a fresh script sandbox (same binds, cgroups, limits, seccomp, uid; launchScript is the one code path for both),
// except that its source is not bound at /code but arrives over the private channel. Until then no user code has
// run in it: the launcher (our SDK file) only blocks on fd 3. A spare is taken by one run, removed from the list
// before that run starts, and the run ends with the sandbox being killed and its cgroups removed (runScript); it is
// never handed back. Its /tmp, processes and memory are therefore as fresh as those of a sandbox started for the run.
// Only runs without dependencies or egress take one (those binds and the proxy socket are fixed at launch), only
// with the spares' memory size, and only runs whose CPU backstop fits the spare's (RLIMIT_CPU is fixed at launch).
import type { CodeLanguage, CodeRunRequest } from './contract.js';
import type { SandboxEnv } from './launch-spec.js';
import { RUNTIMES } from './runtimes/index.js';
import { launchScript, scriptCpuSeconds, type LaunchedScript } from './script-run.js';

export class ScriptSpares {
  private readonly ready = new Map<CodeLanguage, LaunchedScript[]>();
  private readonly starting = new Map<CodeLanguage, number>();
  /** Starts in flight; close() waits for them so that nothing is left running after it returns. */
  private readonly starts = new Set<Promise<void>>();
  private readonly disposing = new Set<Promise<void>>();
  private closed = false;
  /** RLIMIT_CPU of every spare: sized for the longest run it may take. */
  private readonly cpuSeconds: number;

  /** `total` counts every worker and spare of the sandbox, against the global maxWorkers cap. */
  constructor(
    private readonly env: SandboxEnv,
    private readonly total: () => number,
  ) {
    this.cpuSeconds = scriptCpuSeconds(env.limits.scriptSpareMaxTimeoutMs);
  }

  private get enabled(): boolean {
    // Unsandboxed mode has no isolation to keep; spares would only share the host's /tmp there.
    return !this.closed && this.env.limits.sparesPerLanguage > 0 && !this.env.caps.unsandboxed;
  }

  /** Spares ready or starting (they hold their slot under maxWorkers while they boot). */
  count(): number {
    let n = 0;
    for (const l of this.ready.values()) n += l.length;
    for (const s of this.starting.values()) n += s;
    return n;
  }

  /** Spares ready to be taken, for one language or all. */
  readyCount(language?: CodeLanguage): number {
    if (language) return this.ready.get(language)?.length ?? 0;
    let n = 0;
    for (const l of this.ready.values()) n += l.length;
    return n;
  }

  /** Starts spares in the background up to sparesPerLanguage (within the global cap). */
  refill(language: CodeLanguage): void {
    const have = this.readyCount(language) + (this.starting.get(language) ?? 0);
    if (!this.enabled || have >= this.env.limits.sparesPerLanguage || this.total() >= this.env.limits.maxWorkers) return;
    this.starting.set(language, (this.starting.get(language) ?? 0) + 1);
    const started: Promise<void> = this.startOne(language)
      .catch((e: unknown) => this.env.logger.warn(`sandbox: script spare ${language} failed to start: ${(e as Error).message}`))
      .finally(() => {
        this.starting.set(language, (this.starting.get(language) ?? 1) - 1);
        this.starts.delete(started);
      });
    this.starts.add(started);
  }

  private async startOne(language: CodeLanguage): Promise<void> {
    const s = await launchScript(this.env, { language, source: '', memoryMb: this.env.limits.spareMemoryMb, cpuSeconds: this.cpuSeconds, spare: true });
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('script spare did not boot in time')), this.env.limits.startTimeoutMs);
        s.reader.onReady = () => {
          clearTimeout(t);
          resolve();
        };
        void s.proc.exited.then(() => {
          clearTimeout(t);
          reject(new Error('script spare exited while booting'));
        });
      });
    } catch (e) {
      await this.dispose(s, 'start');
      throw e;
    }
    s.reader.onReady = null;
    if (this.closed) return this.dispose(s, 'close');
    const list = this.ready.get(language) ?? [];
    list.push(s);
    this.ready.set(language, list);
    // A spare that dies while waiting (killed from outside, OOM at boot) leaves the list and its cgroups go.
    void s.proc.exited.then(() => {
      const l = this.ready.get(language);
      const i = l?.indexOf(s) ?? -1;
      if (i >= 0) {
        l!.splice(i, 1);
        void this.dispose(s, 'recycle');
      }
    });
  }

  /** A live spare that fits the request, removed from the list (it is this run's alone), or null. */
  take(req: CodeRunRequest, timeoutMs: number): LaunchedScript | null {
    if (!this.enabled || req.dependenciesDir || req.egress.length > 0 || req.memoryMb !== this.env.limits.spareMemoryMb) return null;
    if (scriptCpuSeconds(timeoutMs) > this.cpuSeconds) return null;
    // A spare runs its script as the runtime's usual file; one that needs another (CommonJS main.cjs) starts fresh.
    const runtime = RUNTIMES[req.language];
    if (runtime.scriptFiles && runtime.scriptFiles(req.source).mainFile !== runtime.mainFile) return null;
    const list = this.ready.get(req.language) ?? [];
    let s: LaunchedScript | undefined;
    while ((s = list.shift())) {
      if (s.proc.alive && !s.proc.killReason) return s;
      void this.dispose(s, 'recycle');
    }
    return null;
  }

  private dispose(s: LaunchedScript, reason: 'start' | 'close' | 'recycle'): Promise<void> {
    s.proc.kill(reason);
    const p = s.proc.dispose().then(() => s.cleanup()).catch((e: unknown) => this.env.logger.error('sandbox: script spare stop failed', e));
    this.disposing.add(p);
    void p.finally(() => this.disposing.delete(p));
    return p;
  }

  /** Stops every spare and waits until their cgroups are gone. */
  async close(): Promise<void> {
    this.closed = true;
    for (const list of this.ready.values()) for (const s of list.splice(0)) void this.dispose(s, 'close');
    await Promise.all([...this.starts]);
    await Promise.all([...this.disposing]);
  }
}
