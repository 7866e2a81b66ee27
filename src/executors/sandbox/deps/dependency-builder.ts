// Dependency builds: requirements.txt / package.json / composer.json installed, sandboxed, into a content-addressed
// cache; queued fairly per workspace, with a size cap on the build directory.
import crypto from 'node:crypto';
import dns from 'node:dns';
import fs from 'node:fs';
import path from 'node:path';
import type { DepsLimits } from '../../../config.js';
import type { CodeLanguage } from '../contract.js';
import { parseCidrs, type Cidr } from '../../egress/address-policy.js';
import { EgressProxy } from '../egress/proxy.js';
import type { SandboxEnv } from '../launch-spec.js';
import { SandboxProcess } from '../supervisor.js';
import { RUNTIMES } from '../runtimes/index.js';
import type { InstallPlan, RegistryConfig } from '../runtimes/runtime.js';
import { registryConfig } from './registries.js';

export type DependencyStatus = 'pending' | 'building' | 'ready' | 'failed';

export interface DependencyState {
  status: DependencyStatus;
  /** sha256(language + runtime version + dependency text): the cache key. */
  key: string;
  /** The installed tree (CodeRunRequest.dependenciesDir) once ready. */
  dir?: string;
  /** Installer output (capped). */
  log: string;
  error?: string;
  /** Set on a failed build: it is not retried by itself, but by a new save of the executor or a rebuild. */
  retry?: string;
}

/** Who asks for a build and how it may run. */
export interface BuildOptions {
  /** The workspace whose queue the build waits in (one workspace's builds never hold up another's beyond its share). */
  workspaceId?: string;
  /** Start again after a failure (a rebuild, or a new save of the executor). */
  retry?: boolean;
  /**
   * Let installers run package code at install time: npm lifecycle scripts, pip builds from source distributions.
   * Off by default (`npm --ignore-scripts`, `pip --only-binary=:all:`); Composer's scripts and plugins stay off.
   */
  allowInstallScripts?: boolean;
}

export const DEFAULT_DEPS_LIMITS: DepsLimits = { concurrency: 2, concurrencyPerWorkspace: 1, maxBuildBytes: 1024 * 1024 * 1024 };

const RETRY_HINT = 'save the executor again or POST /api/executors/{name}/dependencies/rebuild';
/** How often the build directory is measured while the installer runs. */
const SIZE_POLL_MS = 250;

interface Job {
  key: string;
  language: CodeLanguage;
  text: string;
  scripts: boolean;
  workspaceId: string;
  done: (st: DependencyState) => void;
}

/** Bytes a directory takes (a file counts its size or its allocated blocks, whichever is more), stopping past `stop`. */
async function diskUsage(dir: string, stop: number): Promise<number> {
  let total = 0;
  const todo = [dir];
  while (todo.length > 0 && total <= stop) {
    const d = todo.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      try {
        const st = await fs.promises.lstat(p);
        total += Math.max(st.blocks * 512, e.isFile() ? st.size : 0);
      } catch {
        continue;
      }
      if (e.isDirectory()) todo.push(p);
      if (total > stop) break;
    }
  }
  return total;
}

/** The administrator's registry hosts resolved now: the build (only) may reach them even on a private address. */
async function registryCidrs(hosts: string[]): Promise<Cidr[]> {
  const out: string[] = [];
  await Promise.all(hosts.filter((h) => !h.startsWith('*.')).map(async (h) => {
    try {
      for (const a of await dns.promises.lookup(h, { all: true, verbatim: true })) out.push(`${a.address}/${a.family === 6 ? 128 : 32}`);
    } catch {
      // unresolvable now: the installer reports it
    }
  }));
  return parseCidrs(out);
}

const LOG_CAP = 256 * 1024;
const BUILD_TIMEOUT_MS = 10 * 60_000;
const BUILD_MEMORY_MB = 1024;
const BUILD_TMP_BYTES = 1024 * 1024 * 1024;

/** Whether every directory from / down to dir can be traversed by uid (bwrap runs as that uid and binds by path). */
function reachable(dir: string, uid: number): boolean {
  if (uid === 0) return true;
  let cur = path.resolve(dir);
  for (;;) {
    const st = fs.statSync(cur);
    const bit = st.uid === uid ? 0o100 : 0o001;
    if ((st.mode & bit) === 0) return false;
    const up = path.dirname(cur);
    if (up === cur) return true;
    cur = up;
  }
}

export class DependencyBuilder {
  private readonly inflight = new Map<string, Promise<DependencyState>>();
  /** Waiting builds per workspace (FIFO); the map's order is the round-robin order of workspaces. */
  private readonly waiting = new Map<string, Job[]>();
  private readonly runningBy = new Map<string, number>();
  private running = 0;
  private readonly root: string;
  private readonly limits: DepsLimits;
  /** Why builds cannot run here (the cache is not reachable for the sandbox uid), or null. */
  readonly problem: string | null;

  constructor(
    private readonly env: SandboxEnv,
    private readonly allowCidrs: Cidr[],
    limits: Partial<DepsLimits> = {},
  ) {
    this.limits = { ...DEFAULT_DEPS_LIMITS, ...limits };
    this.root = path.join(env.dataDir, 'deps');
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    this.problem = reachable(this.root, env.caps.hostUid)
      ? null
      : `dependency cache ${this.root} is not reachable for the sandbox uid ${env.caps.hostUid}: ` +
        `make the data directory and its parents traversable (chmod o+x; listing is not needed)`;
  }

  /** The cache key: the install-scripts policy is part of it, as it changes what lands in the tree. */
  keyOf(language: CodeLanguage, text: string, allowInstallScripts = false): string {
    const version = this.env.caps.interpreters[language]?.version ?? 'unknown';
    return crypto.createHash('sha256').update(`${language}\0${version}\0${allowInstallScripts ? 'scripts' : 'no-scripts'}\0${text}`).digest('hex');
  }

  /** Current state without starting anything. */
  status(language: CodeLanguage, text: string, allowInstallScripts = false): DependencyState {
    const key = this.keyOf(language, text, allowInstallScripts);
    const dir = path.join(this.root, key);
    try {
      const saved = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as DependencyState;
      if ((saved.status === 'building' || saved.status === 'pending') && !this.inflight.has(key)) return { ...saved, status: 'failed', error: 'build interrupted (server restart); retry', retry: RETRY_HINT };
      return saved.status === 'failed' ? { ...saved, retry: RETRY_HINT } : saved;
    } catch {
      return { status: this.inflight.has(key) ? 'pending' : 'pending', key, log: '' };
    }
  }

  /** Returns the state at once and queues a background build when there is none (or the last one failed and retry is set). */
  ensureDependencies(language: CodeLanguage, text: string, opts: BuildOptions = {}): DependencyState {
    const scripts = opts.allowInstallScripts === true;
    const st = this.status(language, text, scripts);
    if (st.status === 'ready' || this.inflight.has(st.key)) return st;
    if (st.status === 'failed' && !opts.retry && fs.existsSync(path.join(this.root, st.key, 'state.json')) && !st.error?.includes('interrupted')) return st;
    const workspaceId = opts.workspaceId ?? '';
    const p = new Promise<DependencyState>((done) => {
      const list = this.waiting.get(workspaceId) ?? [];
      list.push({ key: st.key, language, text, scripts, workspaceId, done });
      this.waiting.set(workspaceId, list);
    });
    this.inflight.set(st.key, p);
    void p.finally(() => this.inflight.delete(st.key));
    this.save(st.key, { status: 'pending', key: st.key, log: '' });
    this.pump();
    return { status: 'pending', key: st.key, log: '' };
  }

  /**
   * Starts waiting builds while the server has room (concurrency) and their workspace too (concurrencyPerWorkspace),
   * taking workspaces in turn: a workspace with many or slow builds delays only its own.
   */
  private pump(): void {
    while (this.running < this.limits.concurrency) {
      let job: Job | undefined;
      for (const [ws, list] of this.waiting) {
        if ((this.runningBy.get(ws) ?? 0) >= this.limits.concurrencyPerWorkspace) continue;
        job = list.shift();
        // To the end of the round-robin order (or out of it when nothing of it waits).
        this.waiting.delete(ws);
        if (list.length > 0) this.waiting.set(ws, list);
        break;
      }
      if (!job) return;
      const j = job;
      this.running++;
      this.runningBy.set(j.workspaceId, (this.runningBy.get(j.workspaceId) ?? 0) + 1);
      void this.build(j.language, j.text, j.key, j.scripts)
        .catch((e: unknown): DependencyState => ({ status: 'failed', key: j.key, log: '', error: (e as Error).message, retry: RETRY_HINT }))
        .then((st) => {
          this.running--;
          const left = (this.runningBy.get(j.workspaceId) ?? 1) - 1;
          if (left > 0) this.runningBy.set(j.workspaceId, left);
          else this.runningBy.delete(j.workspaceId);
          j.done(st);
          this.pump();
        });
    }
  }

  /** Waits until the build of this text has ended (ready or failed). */
  async wait(language: CodeLanguage, text: string, opts: BuildOptions = {}): Promise<DependencyState> {
    const st = this.ensureDependencies(language, text, opts);
    const p = this.inflight.get(st.key);
    return p ? p : this.status(language, text, opts.allowInstallScripts === true);
  }

  /** Builds running and waiting, in all and per workspace (for status and tests). */
  queueState(): { running: number; waiting: number; runningBy: Record<string, number> } {
    let waiting = 0;
    for (const l of this.waiting.values()) waiting += l.length;
    return { running: this.running, waiting, runningBy: Object.fromEntries(this.runningBy) };
  }

  private save(key: string, st: DependencyState): void {
    const dir = path.join(this.root, key);
    fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
    fs.writeFileSync(path.join(dir, 'state.json.tmp'), JSON.stringify(st));
    fs.renameSync(path.join(dir, 'state.json.tmp'), path.join(dir, 'state.json'));
  }

  private async build(language: CodeLanguage, text: string, key: string, scripts: boolean): Promise<DependencyState> {
    const dir = path.join(this.root, key);
    const fail = (error: string, log = ''): DependencyState => {
      const st: DependencyState = { status: 'failed', key, log: log.slice(-LOG_CAP), error, retry: RETRY_HINT };
      this.save(key, st);
      return st;
    };
    const interp = this.env.caps.interpreters[language];
    if (!interp) return fail(`${language} is not available on this server`);
    if (this.problem) return fail(this.problem);
    const runtime = RUNTIMES[language];
    let reg: RegistryConfig;
    let plan: InstallPlan;
    try {
      reg = registryConfig(language);
      plan = runtime.installer({ interp, allowInstallScripts: scripts, registry: reg });
    } catch (e) {
      return fail((e as Error).message);
    }
    this.save(key, { status: 'building', key, log: '' });
    // Build into a fresh directory, rename into place when complete: a half-built tree is never used.
    const work = path.join(dir, `build-${crypto.randomBytes(4).toString('hex')}`);
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true, mode: 0o755 });
    if (this.env.caps.hostUid !== process.getuid?.()) fs.chownSync(work, this.env.caps.hostUid, this.env.caps.hostUid);
    if (plan.manifestInOutput) fs.writeFileSync(path.join(work, runtime.dependencyFile), text);
    const dataFiles = [{ dest: `/input/${runtime.dependencyFile}`, data: text }, ...(plan.dataFiles ?? [])];
    const undici = runtime.usesUndici && this.env.undiciDir ? this.env.undiciDir : null;
    // The administrator's registries by name, even on a private address (a company mirror); executors' own egress
    // keeps OUTRIGGER_EGRESS_ALLOW_CIDRS only.
    const egress = await EgressProxy.start({ allow: reg.hosts, allowCidrs: [...this.allowCidrs, ...(await registryCidrs(reg.hosts))] });
    let log = '';
    let sizeTimer: NodeJS.Timeout | undefined;
    let overSize = false;
    const maxMb = Math.round(this.limits.maxBuildBytes / (1024 * 1024));
    const sizeError = `build directory grew past ${maxMb} MB (OUTRIGGER_DEPS_MAX_MB)`;
    try {
      const proc = await SandboxProcess.start({
        spec: {
          bwrap: this.env.caps.bwrap?.path ?? '',
          prlimit: this.env.caps.prlimit,
          argv: plan.argv,
          env: {
            PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp', LANG: 'C.UTF-8',
            OUTRIGGER_EGRESS_PORT: '3128', OUTRIGGER_EGRESS_SOCK: '/run/outrigger/egress.sock',
            HTTP_PROXY: 'http://127.0.0.1:3128', HTTPS_PROXY: 'http://127.0.0.1:3128', http_proxy: 'http://127.0.0.1:3128', https_proxy: 'http://127.0.0.1:3128',
            ...(undici ? { OUTRIGGER_UNDICI: '/opt/outrigger/undici/index.js' } : {}),
            ...reg.env,
            ...plan.env,
          },
          roBinds: interp.roBinds,
          roBindsAt: [
            { src: path.join(this.env.sdkRoot, language), dest: '/opt/outrigger/sdk' },
            ...(fs.existsSync('/etc/ssl/certs') ? [{ src: '/etc/ssl/certs', dest: '/etc/ssl/certs' }] : []),
            ...(undici ? [{ src: undici, dest: '/opt/outrigger/undici' }] : []),
            ...(plan.binds ?? []),
          ],
          // The only writable host directory of any sandbox: the build's own output.
          rwBindsAt: [{ src: work, dest: '/build' }, { src: egress.socketPath, dest: '/run/outrigger/egress.sock' }],
          dataFiles,
          tmpBytes: BUILD_TMP_BYTES,
          cpuSeconds: BUILD_TIMEOUT_MS / 1000,
          openFiles: 4096,
          seccomp: this.env.seccompProgram !== null,
        },
        cgroupLayout: this.env.cgroupLayout,
        cgroupLimits: { memoryBytes: BUILD_MEMORY_MB * 1024 * 1024, pids: 256, cpuPercent: this.env.limits.cpuPercent },
        ...(this.env.caps.hostUid !== process.getuid?.() ? { hostUid: this.env.caps.hostUid } : {}),
        seccompProgram: this.env.seccompProgram,
        unsandboxed: this.env.caps.unsandboxed,
        startTimeoutMs: this.env.limits.startTimeoutMs,
      });
      const collect = (d: Buffer) => (log = (log + d.toString()).slice(-LOG_CAP));
      proc.stdout.on('data', collect);
      proc.stderr.on('data', collect);
      proc.stderr.resume();
      proc.toSandbox.end();
      proc.setDeadline(BUILD_TIMEOUT_MS);
      // The build directory is a host directory: measure it while the installer writes, stop the build past the cap.
      let measuring = false;
      sizeTimer = setInterval(() => {
        if (measuring) return;
        measuring = true;
        void diskUsage(work, this.limits.maxBuildBytes).then((used) => {
          if (used > this.limits.maxBuildBytes && !overSize) {
            overSize = true;
            proc.kill('output');
          }
        }).finally(() => (measuring = false));
      }, SIZE_POLL_MS);
      const exit = await proc.exited;
      clearInterval(sizeTimer);
      await proc.dispose();
      if (!overSize && exit.code === 0 && (await diskUsage(work, this.limits.maxBuildBytes)) > this.limits.maxBuildBytes) overSize = true;
      if (overSize) {
        fs.rmSync(work, { recursive: true, force: true });
        return fail(sizeError, `${log}\n[outrigger] build stopped: the ${sizeError}\n`);
      }
      const denied = egress.denials();
      if (exit.code !== 0) {
        const why = proc.killReason === 'timeout' ? 'build timed out' : `installer exited with ${exit.code ?? exit.signal}`;
        fs.rmSync(work, { recursive: true, force: true });
        const hint = runtime.installFailureHint?.(log, scripts);
        return fail(`${denied.length ? `${why}; network access refused: ${denied.join(', ')}` : why}${hint ? ` (${hint})` : ''}`, log);
      }
      const tree = path.join(dir, 'tree');
      fs.rmSync(tree, { recursive: true, force: true });
      fs.renameSync(work, tree);
      const st: DependencyState = { status: 'ready', key, dir: tree, log };
      this.save(key, st);
      return st;
    } catch (e) {
      fs.rmSync(work, { recursive: true, force: true });
      return fail((e as Error).message, log);
    } finally {
      clearInterval(sizeTimer);
      await egress.close();
    }
  }
}
