// The `code` executor sandbox: createSandbox() detects isolation at start and returns the CodeRunner the pipeline uses.
import { removeCgroupParents } from './cgroups.js';
import type { CodeRunner, CodeRunRequest, CodeRunResult } from './contract.js';
import { DependencyBuilder, type BuildOptions, type DependencyState } from './deps/dependency-builder.js';
import type { DepsLimits } from '../../config.js';
import { detect } from './detect.js';
import fs from 'node:fs';
import type { CodeLanguage } from './contract.js';
import { parseCidrs } from '../egress/address-policy.js';
import { configureEgressLimits, EgressProxy } from './egress/proxy.js';
import { DEFAULT_LIMITS, type SandboxCapabilities, type SandboxLimits } from './limits.js';
import { WorkerPools, type WorkerSpec } from './pool.js';
import { RUNTIMES } from './runtimes/index.js';
import { sdkRoot } from './runtimes/runtime.js';
import { findUndici, type Logger, type SandboxEnv } from './launch-spec.js';
import { settleCleanups } from './supervisor.js';

export type { SandboxCapabilities, SandboxLimits } from './limits.js';
export type { WorkerSpec } from './pool.js';
export * from './contract.js';

export interface CreateSandboxOptions {
  dataDir: string;
  limits?: Partial<SandboxLimits>;
  /** Private ranges an administrator allows egress to (OUTRIGGER_EGRESS_ALLOW_CIDRS), e.g. `127.0.0.1/32` in tests. */
  egressAllowCidrs?: string[];
  /** Run code without isolation when the machine cannot isolate it (development only; logged loudly). */
  allowUnsandboxed?: boolean;
  /** Run without isolation even where it is available (`outrigger run --no-sandbox`; logged loudly). */
  forceUnsandboxed?: boolean;
  /** Refuse to start when any part of the isolation is missing or weaker (OUTRIGGER_SANDBOX=required). */
  requireFullIsolation?: boolean;
  /** Dependency build queue and size limits (OUTRIGGER_DEPS_*). */
  depsLimits?: Partial<DepsLimits>;
  logger?: Logger;
}

export type { BuildOptions, DependencyState } from './deps/dependency-builder.js';

export type Sandbox = CodeRunner & {
  capabilities(): SandboxCapabilities;
  /** State of the dependency build for this text; starts a background build (sandboxed, registry-only egress) if none. */
  ensureDependencies(language: CodeLanguage, text: string, opts?: BuildOptions): DependencyState;
  /** Starts one warm worker for a handler that has none (after a save), in the background; false when none started. */
  prewarm(spec: WorkerSpec): Promise<boolean>;
  /** Live workers (spares included; script spares not). */
  size(): number;
  /** Workers (busy, idle, starting) each workspace holds now: its share of maxWorkers. */
  workersByWorkspace(): Record<string, number>;
  /** Script spares ready to be taken (all languages, or one). */
  scriptSpares(language?: CodeLanguage): number;
  /** Waits for the build of this text to end. */
  waitForDependencies(language: CodeLanguage, text: string, opts?: BuildOptions): Promise<DependencyState>;
  /** Dependency builds running and waiting (in all and per workspace). */
  buildQueue(): { running: number; waiting: number; runningBy: Record<string, number> };
};

/** With full isolation required, any degradation refuses the start, naming what is missing. */
export function assertIsolation(caps: Pick<SandboxCapabilities, 'degraded'>, required: boolean): void {
  if (required && caps.degraded.length > 0) {
    throw new Error(`code sandbox weaker than required (OUTRIGGER_SANDBOX=required): ${caps.degraded.join('; ')}`);
  }
}

const consoleLogger: Logger = {
  info: (m, ...r) => console.info(m, ...r),
  warn: (m, ...r) => console.warn(m, ...r),
  error: (m, ...r) => console.error(m, ...r),
};

/**
 * Detects bwrap, cgroups (v1 or v2: memory, pids, cpu), prlimit, seccomp and the interpreters, proving each with a
 * real sandboxed start. Throws when isolation is missing, unless allowUnsandboxed is set (then every run is
 * unisolated and an error is logged at start).
 */
export async function createSandbox(opts: CreateSandboxOptions): Promise<Sandbox> {
  const logger = opts.logger ?? consoleLogger;
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  configureEgressLimits({ connectionsPerSandbox: limits.egressConnections, connectionsTotal: limits.egressConnectionsTotal });
  const found = await detect(limits);
  const caps = found.caps;
  assertIsolation(caps, opts.requireFullIsolation ?? false);
  if (opts.forceUnsandboxed) caps.isolated = false;
  if (!caps.isolated) {
    if (!opts.allowUnsandboxed && !opts.forceUnsandboxed) {
      throw new Error(`code sandbox unavailable, refusing to run code without isolation: ${caps.problems.join('; ')}`);
    }
    caps.unsandboxed = true;
    for (const r of Object.values(RUNTIMES)) {
      if (!caps.interpreters[r.language]) {
        const info = r.detect();
        if (info) caps.interpreters[r.language] = info;
      }
    }
    logger.error(`!!! code sandbox NOT isolated (allowUnsandboxed): executors run with the server's rights. ${caps.problems.join('; ')}`);
  } else if (caps.problems.length) {
    logger.warn(`code sandbox: ${caps.problems.join('; ')}`);
  }
  const env: SandboxEnv = {
    caps,
    limits,
    cgroupLayout: caps.unsandboxed ? null : found.cgroupLayout,
    seccompProgram: found.seccompProgram,
    sdkRoot: sdkRoot(),
    undiciDir: findUndici(),
    dataDir: opts.dataDir,
    logger,
  };
  const allowCidrs = parseCidrs(opts.egressAllowCidrs ?? []);
  const pools = new WorkerPools(env, allowCidrs);
  const deps = new DependencyBuilder(env, allowCidrs, opts.depsLimits);
  if (deps.problem) {
    caps.problems.push(deps.problem);
    logger.warn(`code sandbox: ${deps.problem}`);
  }

  async function run(asked: CodeRunRequest): Promise<CodeRunResult> {
    // An inspected run shares the host's network (its debugger port must be reachable): there is no egress list to
    // enforce, and the in-sandbox forwarder's fixed port would be the host's.
    const req = asked.inspect ? { ...asked, egress: [] } : asked;
    if (!caps.interpreters[req.language]) {
      return { status: 'error', error: { code: 'RUNTIME_ERROR', message: `${req.language} is not available on this server` }, logs: [], coldStart: false, durationMs: 0 };
    }
    if (req.dependenciesDir && !fs.existsSync(req.dependenciesDir)) {
      return { status: 'error', error: { code: 'DEPENDENCIES_NOT_READY', message: 'the dependency tree of this executor is not built' }, logs: [], coldStart: false, durationMs: 0 };
    }
    if (req.mode === 'handler') return pools.run(req);
    const egress = req.egress.length > 0 ? await EgressProxy.start({ allow: req.egress, allowCidrs }) : null;
    try {
      return await pools.runScript(req, egress);
    } finally {
      await egress?.close();
    }
  }

  return {
    run,
    evict: (poolKey) => pools.evict(poolKey),
    warmExecutors: () => pools.warmExecutors(),
    async prewarm(spec) {
      if (!caps.interpreters[spec.language] || (spec.dependenciesDir && !fs.existsSync(spec.dependenciesDir))) return false;
      return pools.prewarm(spec);
    },
    async close() {
      await pools.close();
      await settleCleanups();
      if (found.cgroupLayout) removeCgroupParents(found.cgroupLayout);
    },
    capabilities: () => structuredClone(caps),
    size: () => pools.size(),
    workersByWorkspace: () => pools.workersByWorkspace(),
    scriptSpares: (language) => pools.scriptSpares(language),
    ensureDependencies: (language, text, o) => deps.ensureDependencies(language, text, o),
    waitForDependencies: (language, text, o) => deps.wait(language, text, o),
    buildQueue: () => deps.queueState(),
  };
}
