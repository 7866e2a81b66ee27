// Warm-worker pools: one per poolKey (and code identity), one invocation per worker, recycling, idle reaping, a global
// cap shared fairly between workspaces.
import crypto from 'node:crypto';
import type { CodeLanguage, CodeRunRequest, CodeRunResult } from './contract.js';
import { EgressProxy } from './egress/proxy.js';
import { runScript } from './script-run.js';
import { ScriptSpares } from './script-spares.js';
import type { Cidr } from '../egress/address-policy.js';
import type { SandboxEnv } from './launch-spec.js';
import { Worker } from './worker.js';

interface Pool {
  poolKey: string;
  workspaceId: string;
  idle: Worker[];
  all: Set<Worker>;
  /** Workers being started for this pool: they hold their slot under both caps while they boot. */
  starting: number;
  waiters: (() => void)[];
}

/** What a worker is started for: its pool and everything that is fixed when its sandbox starts. */
export type WorkerSpec = Pick<CodeRunRequest, 'workspaceId' | 'poolKey' | 'language' | 'source' | 'memoryMb' | 'egress' | 'dependenciesDir' | 'inspect'>;

/** Worker identity beyond the poolKey: a worker never serves code, memory, deps or egress it was not started with. */
function identity(req: WorkerSpec): string {
  const h = crypto.createHash('sha256');
  const inspect = req.inspect ? JSON.stringify(req.inspect) : '';
  for (const part of [req.language, req.source, String(req.memoryMb), req.dependenciesDir ?? '', [...req.egress].sort().join(','), inspect]) {
    h.update(part).update('\0');
  }
  return `${req.poolKey}\0${h.digest('hex')}`;
}

export class WorkerPools {
  private readonly pools = new Map<string, Pool>();
  /** Pre-started workers without code, per language (none with dependencies or egress: those mounts are fixed at start). */
  private readonly spares = new Map<CodeLanguage, Worker[]>();
  private readonly spareStarting = new Map<CodeLanguage, number>();
  /** Spare starts in flight; close() waits for them so that nothing is left running after it returns. */
  private readonly spareStarts = new Set<Promise<void>>();
  /** Workers being started ahead of their first call (prewarm); close() waits for them too. */
  private readonly prewarms = new Set<Promise<boolean>>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly reaper: NodeJS.Timeout;
  private closed = false;
  /** Pre-started script-mode sandboxes (script-spares.ts); they count against maxWorkers too. */
  private readonly scripts: ScriptSpares;

  constructor(
    private readonly env: SandboxEnv,
    private readonly allowCidrs: Cidr[],
  ) {
    this.reaper = setInterval(() => this.reap(), Math.max(1000, Math.min(30_000, env.limits.idleMs / 2)));
    this.reaper.unref();
    this.scripts = new ScriptSpares(env, () => this.total());
    for (const language of Object.keys(env.caps.interpreters) as CodeLanguage[]) {
      this.refillSpares(language);
      this.scripts.refill(language);
    }
  }

  private total(): number {
    let n = 0;
    for (const p of this.pools.values()) n += p.all.size + p.starting;
    for (const s of this.spares.values()) n += s.length;
    for (const s of this.spareStarting.values()) n += s;
    return n + this.scripts.count();
  }

  /** Starts spares in the background up to sparesPerLanguage (within the global cap). */
  private refillSpares(language: CodeLanguage): void {
    const have = (this.spares.get(language)?.length ?? 0) + (this.spareStarting.get(language) ?? 0);
    if (this.closed || have >= this.env.limits.sparesPerLanguage || this.total() >= this.env.limits.maxWorkers) return;
    this.spareStarting.set(language, (this.spareStarting.get(language) ?? 0) + 1);
    const started: Promise<void> = Worker.start(this.env, { language, source: null, memoryMb: this.env.limits.spareMemoryMb, egress: null })
      .then(async (w) => {
        try {
          await w.booted(this.env.limits.startTimeoutMs);
        } catch (e) {
          await w.stop('start');
          throw e;
        }
        if (this.closed) return w.stop('close');
        const list = this.spares.get(language) ?? [];
        list.push(w);
        this.spares.set(language, list);
      })
      .catch((e: unknown) => this.env.logger.warn(`sandbox: spare ${language} worker failed to start: ${(e as Error).message}`))
      .finally(() => {
        this.spareStarting.set(language, (this.spareStarting.get(language) ?? 1) - 1);
        this.spareStarts.delete(started);
      });
    this.spareStarts.add(started);
  }

  /** A live spare that fits the request, bound to it (the code is loaded now), or null. */
  private takeSpare(req: WorkerSpec): Worker | null {
    // A spare runs without a debugger: an inspected run always starts its own worker.
    if (req.inspect || req.dependenciesDir || req.egress.length > 0 || req.memoryMb !== this.env.limits.spareMemoryMb) return null;
    const list = this.spares.get(req.language) ?? [];
    let w: Worker | undefined;
    while ((w = list.shift())) {
      if (w.proc.alive && !w.retired) break;
      void w.stop('recycle');
    }
    if (!w) return null;
    w.load(req.source);
    return w;
  }

  /** Runs one handler invocation on a warm worker, starting one (cold) when none is idle. */
  async run(req: CodeRunRequest): Promise<CodeRunResult> {
    const started = Date.now();
    const key = identity(req);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = { poolKey: req.poolKey, workspaceId: req.workspaceId, idle: [], all: new Set(), starting: 0, waiters: [] };
      this.pools.set(key, pool);
    }
    let worker: Worker | undefined;
    let cold = false;
    while (!worker) {
      if (this.closed) throw new Error('sandbox is closed');
      const w = pool.idle.pop();
      if (w) {
        if (w.retired || !w.proc.alive) void this.retire(pool, w);
        else worker = w;
        continue;
      }
      if (pool.all.size + pool.starting < this.env.limits.maxWorkersPerPool && this.claimSlot(req)) {
        cold = true;
        pool.starting++;
        try {
          worker = this.takeSpare(req) ?? (await this.startWorker(req));
        } catch (e) {
          return { status: 'error', error: { code: 'RUNTIME_ERROR', message: (e as Error).message }, logs: [], coldStart: true, durationMs: Date.now() - started };
        } finally {
          pool.starting--;
        }
        pool.all.add(worker);
        continue;
      }
      // Every worker of this pool is busy (or the server is full): wait for one, but not past the deadline.
      const left = req.execution.deadline - Date.now();
      const freed = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), Math.max(0, left));
        pool!.waiters.push(() => {
          clearTimeout(t);
          resolve(true);
        });
      });
      if (!freed) return { status: 'error', error: { code: 'TIMEOUT', message: 'no worker became free before the deadline' }, logs: [], coldStart: false, durationMs: Date.now() - started };
    }
    let res: CodeRunResult | null = null;
    try {
      res = await worker.invoke(req, cold);
      // An inspected worker runs one invocation: the next run starts afresh under the debugger (and waits for it).
      if (req.inspect) worker.retired = true;
      return { ...res, durationMs: Date.now() - started };
    } finally {
      // A workspace above its fair share gives the slot up at once when a workspace below its share is waiting.
      if (!worker.retired && this.overShare(pool.workspaceId) && this.underShareWaiter(pool.workspaceId)) worker.retired = true;
      if (worker.retired) {
        const stopped = this.retire(pool, worker);
        // After an error nothing of the worker may linger when the caller sees the result (strays, cgroups).
        if (res?.status !== 'ok') await stopped;
      } else {
        pool.idle.push(worker);
        // The idle worker serves this pool's next request, or else may be evicted by a request waiting for a slot.
        (pool.waiters.shift() ?? this.nextWaiter())?.();
      }
      // Replace a spare only now, so that its start does not compete with the invocation for the CPU.
      if (cold) this.refillSpares(req.language);
    }
  }

  /**
   * Starts one worker for a pool that has none yet (a version was just saved), so that its first call is warm and its
   * code, imports included, is loaded before anyone waits for it. Best effort: only into a free slot or a fitting
   * spare, never by evicting another workspace's worker, and within the pool's own cap. False when nothing started.
   */
  prewarm(spec: WorkerSpec): Promise<boolean> {
    const started = this.startAhead(spec).catch((e: unknown) => {
      this.env.logger.warn(`sandbox: prewarming ${spec.poolKey} failed: ${(e as Error).message}`);
      return false;
    });
    this.prewarms.add(started);
    void started.finally(() => this.prewarms.delete(started));
    return started;
  }

  private async startAhead(spec: WorkerSpec): Promise<boolean> {
    const key = identity(spec);
    if (this.closed || (this.pools.get(key)?.all.size ?? 0) > 0) return false;
    if (this.total() >= this.env.limits.maxWorkers && !this.hasSpare(spec)) return false;
    if (this.busy(spec.workspaceId) >= this.env.limits.maxWorkers - this.reserve()) return false;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = { poolKey: spec.poolKey, workspaceId: spec.workspaceId, idle: [], all: new Set(), starting: 0, waiters: [] };
      this.pools.set(key, pool);
    }
    if (pool.all.size + pool.starting > 0) return false;
    pool.starting++;
    let worker: Worker;
    let fromSpare = false;
    try {
      const spare = this.takeSpare(spec);
      fromSpare = spare !== null;
      worker = spare ?? (await this.startWorker(spec));
    } finally {
      pool.starting--;
    }
    if (fromSpare) this.refillSpares(spec.language);
    pool.all.add(worker);
    if (this.closed) {
      await this.retire(pool, worker, 'close');
      return false;
    }
    pool.idle.push(worker);
    (pool.waiters.shift() ?? this.nextWaiter())?.();
    return true;
  }

  /** Runs one script-mode run: in a script spare when one fits, else in a sandbox started for it. */
  async runScript(req: CodeRunRequest, egress: EgressProxy | null): Promise<CodeRunResult> {
    const timeoutMs = Math.max(1, Math.min(req.timeoutMs, req.execution.deadline - Date.now()));
    const spare = egress || req.inspect ? null : this.scripts.take(req, timeoutMs);
    try {
      return await runScript(this.env, req, egress, spare);
    } finally {
      // The spare is gone with its run; its replacement starts only now, so that it does not compete with the run.
      if (spare) this.scripts.refill(req.language);
    }
  }

  /** Script spares ready to be taken (all languages, or one). */
  scriptSpares(language?: CodeLanguage): number {
    return this.scripts.readyCount(language);
  }

  private async startWorker(req: WorkerSpec): Promise<Worker> {
    const egress = req.egress.length > 0 ? await EgressProxy.start({ allow: req.egress, allowCidrs: this.allowCidrs }) : null;
    try {
      return await Worker.start(this.env, {
        language: req.language,
        source: req.source,
        memoryMb: req.memoryMb,
        egress,
        ...(req.dependenciesDir ? { dependenciesDir: req.dependenciesDir } : {}),
        ...(req.inspect ? { inspect: req.inspect } : {}),
      });
    } catch (e) {
      await egress?.close();
      throw e;
    }
  }

  /** Removes a worker from its pool and stops it in the background (tracked, so close() waits for it). */
  private retire(pool: Pool, w: Worker, reason: 'recycle' | 'evict' | 'idle' | 'close' = 'recycle'): Promise<void> {
    pool.all.delete(w);
    pool.idle = pool.idle.filter((x) => x !== w);
    const p = w.stop(reason).catch((e: unknown) => this.env.logger.error('sandbox worker stop failed', e));
    this.stopping.add(p);
    void p.finally(() => this.stopping.delete(p));
    if (pool.all.size === 0 && pool.starting === 0 && pool.waiters.length === 0) {
      for (const [k, v] of this.pools) if (v === pool) this.pools.delete(k);
    }
    // A slot under the global cap is free again: a request waiting for one may go on (below its share first).
    this.nextWaiter()?.();
    // This pool's own slot is free too (its per-pool cap): its next request may start a worker.
    pool.waiters.shift()?.();
    return p;
  }

  /** Workers held by a workspace (busy, idle and starting). */
  private held(workspaceId: string): number {
    let n = 0;
    for (const p of this.pools.values()) if (p.workspaceId === workspaceId) n += p.all.size + p.starting;
    return n;
  }

  /** maxWorkers divided by the workspaces holding or waiting for workers (the asking one counted). */
  private fairShare(workspaceId: string): number {
    const active = new Set<string>([workspaceId]);
    for (const p of this.pools.values()) if (p.all.size + p.starting + p.waiters.length > 0) active.add(p.workspaceId);
    return Math.max(1, Math.floor(this.env.limits.maxWorkers / active.size));
  }

  /** Slots no workspace may fill with busy workers beyond its share (default maxWorkers / 8). */
  private reserve(): number {
    const { maxWorkers, reservedWorkers } = this.env.limits;
    return Math.max(0, Math.min(reservedWorkers ?? Math.floor(maxWorkers / 8), maxWorkers - 1));
  }

  private belowShare(workspaceId: string): boolean {
    return this.held(workspaceId) < this.fairShare(workspaceId);
  }

  private overShare(workspaceId: string): boolean {
    return this.held(workspaceId) > this.fairShare(workspaceId);
  }

  /** Workers of a workspace that are running an invocation or starting for one (idle ones can be evicted). */
  private busy(workspaceId: string): number {
    let n = 0;
    for (const p of this.pools.values()) if (p.workspaceId === workspaceId) n += p.all.size - p.idle.length + p.starting;
    return n;
  }

  /** Whether another workspace below its share has a request waiting for a global slot (not for its pool's cap). */
  private underShareWaiter(workspaceId: string): boolean {
    for (const p of this.pools.values()) {
      if (p.waiters.length > 0 && p.workspaceId !== workspaceId && p.all.size + p.starting < this.env.limits.maxWorkersPerPool && this.belowShare(p.workspaceId)) return true;
    }
    return false;
  }

  /** The first waiting request of a workspace below its share, else the first waiting request of any pool. */
  private nextWaiter(): (() => void) | undefined {
    let fallback: Pool | undefined;
    for (const p of this.pools.values()) {
      if (p.waiters.length === 0) continue;
      if (this.belowShare(p.workspaceId)) return p.waiters.shift();
      fallback ??= p;
    }
    return fallback?.waiters.shift();
  }

  /**
   * Takes a slot under the global cap for a new worker of req's workspace. No workspace's busy workers may fill the
   * reserved slots, so one workspace can never make every worker busy and another's first invocation always finds
   * a slot. The slot is a free one, a fitting spare, or one freed by evicting an idle worker — of a workspace above
   * its fair share (maxWorkers / active workspaces) first; a workspace at or above its share evicts only its own
   * or such workers, never those of a workspace below its share.
   */
  private claimSlot(req: CodeRunRequest): boolean {
    const below = this.belowShare(req.workspaceId);
    if (this.busy(req.workspaceId) >= this.env.limits.maxWorkers - this.reserve()) return false;
    if (this.total() < this.env.limits.maxWorkers || this.hasSpare(req)) return true;
    let best: { pool: Pool; w: Worker } | null = null;
    let bestOver = false;
    for (const pool of this.pools.values()) {
      if (pool.idle.length === 0) continue;
      const own = pool.workspaceId === req.workspaceId;
      const over = !own && this.overShare(pool.workspaceId);
      if (!below && !own && !over) continue;
      for (const w of pool.idle) {
        if (!best || (over && !bestOver) || (over === bestOver && w.lastUsed < best.w.lastUsed)) {
          best = { pool, w };
          bestOver = over;
        }
      }
    }
    if (!best) return false;
    void this.retire(best.pool, best.w, 'idle');
    return true;
  }

  private hasSpare(req: WorkerSpec): boolean {
    if (req.inspect || req.dependenciesDir || req.egress.length > 0 || req.memoryMb !== this.env.limits.spareMemoryMb) return false;
    return (this.spares.get(req.language) ?? []).some((w) => w.proc.alive && !w.retired);
  }

  /** How many workers each workspace holds now (metrics and tests). */
  workersByWorkspace(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.pools.values()) if (p.all.size + p.starting > 0) out[p.workspaceId] = (out[p.workspaceId] ?? 0) + p.all.size + p.starting;
    return out;
  }

  private reap(): void {
    const cutoff = Date.now() - this.env.limits.idleMs;
    for (const pool of [...this.pools.values()]) {
      for (const w of [...pool.idle]) if (w.lastUsed < cutoff || !w.proc.alive) void this.retire(pool, w, 'idle');
    }
  }

  /**
   * The executors this node has a live worker for, as `workspace/name` (a poolKey without its version hash): what
   * the node announces in its heartbeat, so that other nodes leave those executors' synchronous calls to it.
   */
  warmExecutors(): string[] {
    const out = new Set<string>();
    for (const pool of this.pools.values()) {
      if (pool.all.size === 0) continue;
      const cut = pool.poolKey.lastIndexOf('/');
      out.add(cut > 0 ? pool.poolKey.slice(0, cut) : pool.poolKey);
    }
    return [...out];
  }

  /** Stops the idle workers of a poolKey now and the busy ones when their invocation ends. */
  async evict(poolKey: string): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const pool of [...this.pools.values()]) {
      // A key ending in '/' names every pool under it (all versions of one executor).
      if (pool.poolKey !== poolKey && !(poolKey.endsWith('/') && pool.poolKey.startsWith(poolKey))) continue;
      for (const w of [...pool.all]) {
        w.retired = true;
        if (!w.busy) void this.retire(pool, w, 'evict');
      }
    }
    waits.push(...this.stopping);
    await Promise.all(waits);
  }

  /** Stops everything, busy workers included, and waits until their cgroups are gone. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    for (const list of this.spares.values()) for (const w of list.splice(0)) this.stopping.add(w.stop('close'));
    for (const pool of [...this.pools.values()]) {
      for (const w of [...pool.all]) void this.retire(pool, w, 'close');
      for (const wake of pool.waiters.splice(0)) wake();
    }
    await Promise.all([...this.spareStarts, ...this.prewarms, this.scripts.close()]);
    await Promise.all([...this.stopping]);
  }

  /** Workers currently running (spares included, starting ones not; for metrics and tests). */
  size(): number {
    let n = 0;
    for (const p of this.pools.values()) n += p.all.size;
    for (const s of this.spares.values()) n += s.length;
    return n;
  }
}
