// What is detected once at start (capabilities, cgroups, seccomp file) and the LaunchSpec builder for one sandboxed process.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { CgroupLayout } from './cgroups.js';
import type { CodeLanguage, CodeMode, ExecutionInfo, InspectRequest } from './contract.js';
import type { LaunchSpec } from './bwrap-command.js';
import type { SandboxCapabilities, SandboxLimits } from './limits.js';
import { RUNTIMES } from './runtimes/index.js';
import type { RuntimePaths, StartOptions } from './runtimes/runtime.js';

export interface Logger {
  info(msg: string, ...rest: unknown[]): void;
  warn(msg: string, ...rest: unknown[]): void;
  error(msg: string, ...rest: unknown[]): void;
}

export interface SandboxEnv {
  caps: SandboxCapabilities;
  limits: SandboxLimits;
  cgroupLayout: CgroupLayout | null;
  /** The seccomp program handed to every sandbox (null where no syscall table exists for this CPU). */
  seccompProgram: Buffer | null;
  sdkRoot: string;
  /** undici package directory, bound for Node's fetch proxy support when egress is on. */
  undiciDir: string | null;
  dataDir: string;
  logger: Logger;
}

/** Port of the in-sandbox egress forwarder; each sandbox has its own network namespace, so it never collides. */
export const EGRESS_PORT = 3128;
const SANDBOX_SDK = '/opt/outrigger/sdk';
const SANDBOX_EGRESS_SOCK = '/run/outrigger/egress.sock';

export function findUndici(): string | null {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('undici/package.json'));
  } catch {
    return null;
  }
}

export interface ProcessRequest {
  language: CodeLanguage;
  mode: CodeMode;
  source: string;
  memoryMb: number;
  /** RLIMIT_CPU in seconds. */
  cpuSeconds: number;
  dependenciesDir?: string;
  /** Host path of this sandbox's egress proxy socket, when the executor has egress. */
  egressSocket?: string;
  execution?: ExecutionInfo;
  /** A pre-started spare: no source yet; it arrives over the channel and is written to the sandbox's /tmp. */
  spare?: boolean;
  /** Script mode: variables the platform adds for the script (`ENNEO_API_URL`, `ENNEO_SESSION_TOKEN`; see scriptEnv). */
  scriptEnv?: Record<string, string>;
  /** `outrigger run --inspect`: under the language's debugger, in the host's network namespace, as the user's file path. */
  inspect?: InspectRequest;
}

/** The only extra variables a script gets: the reference platform's names, nothing that could steer the runtime. */
const SCRIPT_ENV_NAME = /^ENNEO_[A-Z_]{1,40}$/;

/** The variables of `env` a script may receive (anything else is dropped, never passed to the interpreter). */
export function allowedScriptEnv(env: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {})) if (SCRIPT_ENV_NAME.test(k) && typeof v === 'string' && !v.includes('\0')) out[k] = v;
  return out;
}

/** Where an inspected run's debugger package is bound (Python's debugpy tree). */
const SANDBOX_DEBUGGER = '/opt/outrigger/debugger';
/** What an inspected sandbox needs of the host's network files: it shares the host's network, names included. */
const NETWORK_FILES = ['/etc/resolv.conf', '/etc/hosts', '/etc/ssl/certs'];

/**
 * The code file as the interpreter sees it. Usually /code/main.* (a private temp dir when unsandboxed); an inspected
 * run uses the user's own path (its file name may differ, main.cjs for a CommonJS script), so that the IDE's
 * breakpoints on that path hit without any path mapping. Unsandboxed, the user's file then runs in place.
 */
function codeFileOf(req: ProcessRequest, mainFile: string, unsandboxed: boolean): { codeFile: string; tempDir: string | null } {
  const own = req.inspect && !req.spare ? path.join(path.dirname(req.inspect.codePath), mainFile) : null;
  if (!unsandboxed) return { codeFile: own ?? (req.spare ? `/tmp/.outrigger/${mainFile}` : `/code/${mainFile}`), tempDir: null };
  if (own && own === req.inspect!.codePath && fs.existsSync(own)) return { codeFile: own, tempDir: null };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-run-'));
  fs.writeFileSync(path.join(dir, mainFile), req.source);
  return { codeFile: path.join(dir, mainFile), tempDir: dir };
}

/** Builds what the supervisor launches; in unsandboxed mode the source goes to a private temp dir instead. */
export function buildLaunch(env: SandboxEnv, req: ProcessRequest): { spec: LaunchSpec; cleanup: () => void } {
  const runtime = RUNTIMES[req.language];
  const interp = env.caps.interpreters[req.language];
  if (!interp) throw new Error(`${req.language} is not available on this server`);
  const unsandboxed = env.caps.unsandboxed;
  // A spare has no source yet: it runs as the runtime's usual file (spares take only scripts that do).
  const files = req.mode === 'script' && !req.spare && runtime.scriptFiles ? runtime.scriptFiles(req.source) : { mainFile: runtime.mainFile, sdkFile: runtime.sdkFile };
  const { codeFile, tempDir } = codeFileOf(req, files.mainFile, unsandboxed);
  const cleanup = tempDir ? () => fs.rmSync(tempDir, { recursive: true, force: true }) : () => undefined as void;
  const depsMount = req.dependenciesDir ? runtime.depsMount(req.dependenciesDir, path.dirname(codeFile)) : null;
  const paths: RuntimePaths = unsandboxed
    ? { codeFile, sdkDir: path.join(env.sdkRoot, req.language), depsDir: req.dependenciesDir ?? null }
    : { codeFile, sdkDir: SANDBOX_SDK, depsDir: depsMount ? '/opt/outrigger/deps' : null };
  const sdkEnv: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: unsandboxed ? os.tmpdir() : '/tmp',
    TMPDIR: unsandboxed ? os.tmpdir() : '/tmp',
    LANG: 'C.UTF-8',
    ...(req.mode === 'script' ? allowedScriptEnv(req.scriptEnv) : {}),
    SDK: path.join(paths.sdkDir, files.sdkFile),
    OUTRIGGER_SDK_DIR: paths.sdkDir,
    OUTRIGGER_CODE: paths.codeFile,
    OUTRIGGER_LANGUAGE: req.language,
  };
  if (paths.depsDir) sdkEnv.OUTRIGGER_DEPS = paths.depsDir;
  if (req.spare) sdkEnv.OUTRIGGER_SPARE = '1';
  if (req.execution) sdkEnv.OUTRIGGER_EXECUTION = JSON.stringify(req.execution);
  const roBindsAt = [{ src: path.join(env.sdkRoot, req.language), dest: SANDBOX_SDK }];
  const rwBindsAt: { src: string; dest: string }[] = [];
  if (depsMount) roBindsAt.push(depsMount);
  if (req.egressSocket) {
    const proxy = `http://127.0.0.1:${EGRESS_PORT}`;
    Object.assign(sdkEnv, {
      OUTRIGGER_EGRESS_PORT: String(EGRESS_PORT),
      OUTRIGGER_EGRESS_SOCK: unsandboxed ? req.egressSocket : SANDBOX_EGRESS_SOCK,
      HTTP_PROXY: proxy,
      HTTPS_PROXY: proxy,
      http_proxy: proxy,
      https_proxy: proxy,
    });
    rwBindsAt.push({ src: req.egressSocket, dest: SANDBOX_EGRESS_SOCK });
    if (fs.existsSync('/etc/ssl/certs')) roBindsAt.push({ src: '/etc/ssl/certs', dest: '/etc/ssl/certs' });
    if (runtime.usesUndici && env.undiciDir) {
      roBindsAt.push({ src: env.undiciDir, dest: '/opt/outrigger/undici' });
      sdkEnv.OUTRIGGER_UNDICI = unsandboxed ? path.join(env.undiciDir, 'index.js') : '/opt/outrigger/undici/index.js';
    }
  }
  if (req.inspect?.debuggerDir && !unsandboxed) roBindsAt.push({ src: req.inspect.debuggerDir, dest: SANDBOX_DEBUGGER });
  if (req.inspect && !unsandboxed) {
    for (const f of NETWORK_FILES) if (fs.existsSync(f) && !roBindsAt.some((b) => b.dest === f)) roBindsAt.push({ src: f, dest: f });
  }
  const opts: StartOptions = {
    memoryMb: req.memoryMb,
    spare: req.spare === true,
    ...(req.inspect ? { inspect: {
      // On the host's loopback only (the sandbox shares the host's network): nobody else on the network can attach.
      host: '127.0.0.1',
      port: req.inspect.port,
      debuggerDir: req.inspect.debuggerDir ? (unsandboxed ? req.inspect.debuggerDir : SANDBOX_DEBUGGER) : null,
    } } : {}),
  };
  const argv = req.mode === 'handler' ? runtime.handlerArgv(interp, paths, opts) : runtime.scriptArgv(interp, paths, opts);
  const spec: LaunchSpec = {
    bwrap: env.caps.bwrap?.path ?? '',
    prlimit: env.caps.prlimit,
    argv,
    env: sdkEnv,
    roBinds: interp.roBinds,
    roBindsAt,
    rwBindsAt,
    dataFiles: unsandboxed || req.spare ? [] : [{ dest: paths.codeFile, data: req.source }],
    tmpBytes: env.limits.tmpBytes,
    cpuSeconds: req.cpuSeconds,
    openFiles: env.limits.openFiles,
    seccomp: env.seccompProgram !== null,
    shareNet: req.inspect !== undefined,
  };
  return { spec, cleanup };
}
