// Dependency builds: requirements.txt / package.json / composer.json installed, sandboxed, into a content-addressed cache.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CodeLanguage } from '../contract.js';
import type { Cidr } from '../../egress/address-policy.js';
import { EgressProxy } from '../egress/proxy.js';
import type { SandboxEnv } from '../sandbox-env.js';
import { SandboxProcess } from '../supervisor.js';
import { which } from '../runtimes/runtime.js';
import { composerSetup } from './composer.js';
import { registryConfig, type RegistryConfig } from './registries.js';

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
}

const LOG_CAP = 256 * 1024;
const BUILD_TIMEOUT_MS = 10 * 60_000;
const BUILD_MEMORY_MB = 1024;
const BUILD_TMP_BYTES = 1024 * 1024 * 1024;
const MANIFEST: Record<CodeLanguage, string> = { python: 'requirements.txt', node: 'package.json', php: 'composer.json' };

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
  private queue: Promise<unknown> = Promise.resolve();
  private readonly root: string;
  /** Why builds cannot run here (the cache is not reachable for the sandbox uid), or null. */
  readonly problem: string | null;

  constructor(
    private readonly env: SandboxEnv,
    private readonly allowCidrs: Cidr[],
  ) {
    this.root = path.join(env.dataDir, 'deps');
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    this.problem = reachable(this.root, env.caps.hostUid)
      ? null
      : `dependency cache ${this.root} is not reachable for the sandbox uid ${env.caps.hostUid}: ` +
        `make the data directory and its parents traversable (chmod o+x; listing is not needed)`;
  }

  keyOf(language: CodeLanguage, text: string): string {
    const version = this.env.caps.interpreters[language]?.version ?? 'unknown';
    return crypto.createHash('sha256').update(`${language}\0${version}\0${text}`).digest('hex');
  }

  /** Current state without starting anything. */
  status(language: CodeLanguage, text: string): DependencyState {
    const key = this.keyOf(language, text);
    const dir = path.join(this.root, key);
    try {
      const saved = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as DependencyState;
      if (saved.status === 'building' && !this.inflight.has(key)) return { ...saved, status: 'failed', error: 'build interrupted (server restart); retry' };
      return saved;
    } catch {
      return { status: this.inflight.has(key) ? 'pending' : 'pending', key, log: '' };
    }
  }

  /** Returns the state at once and starts a background build when there is none (or the last one failed and retry is set). */
  ensureDependencies(language: CodeLanguage, text: string, opts: { retry?: boolean } = {}): DependencyState {
    const st = this.status(language, text);
    if (st.status === 'ready' || this.inflight.has(st.key)) return st;
    if (st.status === 'failed' && !opts.retry && fs.existsSync(path.join(this.root, st.key, 'state.json')) && !st.error?.includes('interrupted')) return st;
    const p = (this.queue = this.queue.then(() => this.build(language, text, st.key)));
    this.inflight.set(st.key, p as Promise<DependencyState>);
    void p.finally(() => this.inflight.delete(st.key));
    this.save(st.key, { status: 'pending', key: st.key, log: '' });
    return { status: 'pending', key: st.key, log: '' };
  }

  /** Waits until the build of this text has ended (ready or failed). */
  async wait(language: CodeLanguage, text: string): Promise<DependencyState> {
    const st = this.ensureDependencies(language, text);
    const p = this.inflight.get(st.key);
    return p ? p : this.status(language, text);
  }

  private save(key: string, st: DependencyState): void {
    const dir = path.join(this.root, key);
    fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
    fs.writeFileSync(path.join(dir, 'state.json.tmp'), JSON.stringify(st));
    fs.renameSync(path.join(dir, 'state.json.tmp'), path.join(dir, 'state.json'));
  }

  private async build(language: CodeLanguage, text: string, key: string): Promise<DependencyState> {
    const dir = path.join(this.root, key);
    const fail = (error: string, log = ''): DependencyState => {
      const st: DependencyState = { status: 'failed', key, log: log.slice(-LOG_CAP), error };
      this.save(key, st);
      return st;
    };
    const interp = this.env.caps.interpreters[language];
    if (!interp) return fail(`${language} is not available on this server`);
    if (this.problem) return fail(this.problem);
    let reg: RegistryConfig;
    try {
      reg = registryConfig(language);
    } catch (e) {
      return fail((e as Error).message);
    }
    this.save(key, { status: 'building', key, log: '' });
    // Build into a fresh directory, rename into place when complete: a half-built tree is never used.
    const work = path.join(dir, `build-${crypto.randomBytes(4).toString('hex')}`);
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true, mode: 0o755 });
    if (this.env.caps.hostUid !== process.getuid?.()) fs.chownSync(work, this.env.caps.hostUid, this.env.caps.hostUid);
    let argv: string[];
    let installerEnv: Record<string, string> = {};
    const installerBinds: { src: string; dest: string }[] = [];
    const dataFiles = [{ dest: `/input/${MANIFEST[language]}`, data: text }];
    if (language === 'python') {
      argv = [interp.binary, '-I', '/opt/outrigger/sdk/_build.py', 'pip', 'install', '--target', '/build', '--no-cache-dir',
        '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', '-r', '/input/requirements.txt'];
    } else if (language === 'node') {
      const npm = which('npm');
      if (!npm) return fail('npm is not installed on this server');
      fs.writeFileSync(path.join(work, 'package.json'), text);
      argv = [interp.binary, '/opt/outrigger/sdk/_build.mjs', fs.realpathSync(npm), 'install', '--omit=dev', '--no-audit', '--no-fund',
        '--no-update-notifier', '--loglevel=warn', '--prefix', '/build'];
    } else {
      const composer = which('composer');
      if (!composer) {
        fs.rmSync(work, { recursive: true, force: true });
        return fail('composer is not installed on this server (PHP dependencies cannot be built; install the `composer` package)');
      }
      const c = composerSetup(fs.realpathSync(composer), reg);
      fs.writeFileSync(path.join(work, 'composer.json'), text);
      argv = [interp.binary, '-d', 'display_errors=stderr', '/opt/outrigger/sdk/_build.php', ...c.argv];
      installerEnv = c.env;
      installerBinds.push(...c.binds);
      if (reg.composerConfig) dataFiles.push({ dest: '/input/composer-config.json', data: reg.composerConfig });
    }
    const egress = await EgressProxy.start({ allow: reg.hosts, allowCidrs: this.allowCidrs });
    let log = '';
    try {
      const proc = await SandboxProcess.start({
        spec: {
          bwrap: this.env.caps.bwrap?.path ?? '',
          prlimit: this.env.caps.prlimit,
          argv,
          env: {
            PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp', LANG: 'C.UTF-8',
            OUTRIGGER_EGRESS_PORT: '3128', OUTRIGGER_EGRESS_SOCK: '/run/outrigger/egress.sock',
            HTTP_PROXY: 'http://127.0.0.1:3128', HTTPS_PROXY: 'http://127.0.0.1:3128', http_proxy: 'http://127.0.0.1:3128', https_proxy: 'http://127.0.0.1:3128',
            ...(this.env.undiciDir ? { OUTRIGGER_UNDICI: '/opt/outrigger/undici/index.js' } : {}),
            ...reg.env,
            ...installerEnv,
          },
          roBinds: interp.roBinds,
          roBindsAt: [
            { src: path.join(this.env.sdkRoot, language), dest: '/opt/outrigger/sdk' },
            ...(fs.existsSync('/etc/ssl/certs') ? [{ src: '/etc/ssl/certs', dest: '/etc/ssl/certs' }] : []),
            ...(this.env.undiciDir ? [{ src: this.env.undiciDir, dest: '/opt/outrigger/undici' }] : []),
            ...installerBinds,
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
      const exit = await proc.exited;
      await proc.dispose();
      const denied = egress.denials();
      if (exit.code !== 0) {
        const why = proc.killReason === 'timeout' ? 'build timed out' : `installer exited with ${exit.code ?? exit.signal}`;
        fs.rmSync(work, { recursive: true, force: true });
        return fail(denied.length ? `${why}; network access refused: ${denied.join(', ')}` : why, log);
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
      await egress.close();
    }
  }
}
