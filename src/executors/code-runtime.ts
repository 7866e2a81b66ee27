// Starts the code sandbox for a server (or says why code cannot run here) and connects it to executor versions.
import type { Config } from '../config.js';
import { ProblemError } from '../errors.js';
import type { ReadinessCheck } from '../observability/readiness.js';
import { createSandbox, type Sandbox } from './sandbox/index.js';
import type { ExecutorsService } from './executors.service.js';

export interface CodeRuntime {
  sandbox?: Sandbox;
  /** Why code executors cannot run on this server (when `sandbox` is absent). */
  unavailable?: string;
  readiness: ReadinessCheck;
  /** Background starts of a worker for a just-saved version (connectVersions), until they are over. */
  prewarms: Set<Promise<boolean>>;
}

interface Log {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/**
 * `auto` starts the sandbox when the machine can isolate code and otherwise leaves code executors off with a
 * loud error (apiCall executors and everything else keep working); `required` refuses to start without it.
 */
export async function startCodeRuntime(config: Config, log: Log): Promise<CodeRuntime> {
  if (config.sandbox === 'off') {
    const unavailable = 'code executors are turned off on this server (OUTRIGGER_SANDBOX=off)';
    return { unavailable, prewarms: new Set(), readiness: { name: 'sandbox', check: async () => ({ ok: true, detail: unavailable }) } };
  }
  try {
    const sandbox = await createSandbox({
      dataDir: config.dataDir,
      egressAllowCidrs: config.egressAllowCidrs,
      allowUnsandboxed: config.allowUnsandboxed,
      requireFullIsolation: config.sandbox === 'required',
      depsLimits: config.depsLimits,
      limits: { ...config.sandboxLimits, sparesPerLanguage: config.sandboxSpares },
      logger: { info: (m) => log.info(String(m)), warn: (m) => log.warn(String(m)), error: (m) => log.error(String(m)) },
    });
    const caps = sandbox.capabilities();
    const languages = Object.keys(caps.interpreters).join(', ');
    log.info(`code sandbox ready (${caps.unsandboxed ? 'NOT ISOLATED' : 'isolated'}; ${languages})`);
    return {
      sandbox,
      prewarms: new Set(),
      readiness: {
        name: 'sandbox',
        check: async () => {
          const c = sandbox.capabilities();
          const isolation = c.unsandboxed ? 'NOT ISOLATED' : c.degraded.length ? `DEGRADED isolation (${c.degraded.join('; ')})` : 'isolated';
          return {
            ok: true,
            detail: `${isolation}; languages: ${Object.keys(c.interpreters).join(', ')}; workers: ${sandbox.size()}${c.problems.length ? `; problems: ${c.problems.join('; ')}` : ''}`,
          };
        },
      },
    };
  } catch (err) {
    if (config.sandbox === 'required') throw err;
    const unavailable = `code executors cannot run on this server: ${(err as Error).message}`;
    log.error(unavailable);
    return { unavailable, prewarms: new Set(), readiness: { name: 'sandbox', check: async () => ({ ok: true, detail: unavailable }) } };
  }
}

/**
 * The active version of an executor, or null when it no longer exists. Only that NOT_FOUND means "deleted, nothing to
 * do"; any other failure (the database gone, a bug) is the caller's to see.
 */
async function activeOrDeleted(executors: ExecutorsService, workspaceId: string, name: string): Promise<Awaited<ReturnType<ExecutorsService['get']>> | null> {
  try {
    return await executors.get(workspaceId, name);
  } catch (err) {
    if (err instanceof ProblemError && err.code === 'NOT_FOUND') return null;
    throw err;
  }
}

/**
 * Drops warm workers of replaced versions, starts dependency builds as soon as a version becomes active, and then
 * (in the background, once the dependencies are built) starts one worker for the new version, so that the first
 * call after a deploy is warm. Those starts are in `prewarms` until they are over (tests wait for them).
 */
export function connectVersions(sandbox: Sandbox, executors: ExecutorsService, prewarms?: Set<Promise<boolean>>, log?: Pick<Log, 'warn'>): void {
  executors.onVersionChange(async (workspaceId, name) => {
    await sandbox.evict(`${workspaceId}/${name}/`);
    // A failure other than "deleted" reaches the write that changed the version (its caller sees it).
    const view = await activeOrDeleted(executors, workspaceId, name);
    if (!view) return; // deleted: nothing to build or start
    const code = view.definition.code;
    if (!code) return;
    const opts = { workspaceId, allowInstallScripts: code.allowInstallScripts === true };
    // A new save starts the build again even when the last one of the same text failed.
    if (code.dependencies.trim()) sandbox.ensureDependencies(code.language, code.dependencies, { ...opts, retry: true });
    if (code.mode !== 'handler') return;
    const started = (async () => {
      let dependenciesDir: string | undefined;
      if (code.dependencies.trim()) {
        const dep = await sandbox.waitForDependencies(code.language, code.dependencies, opts);
        if (dep.status !== 'ready' || !dep.dir) return false;
        dependenciesDir = dep.dir;
        // The build may have taken a while: start nothing for a version that is no longer the active one.
        const now = await activeOrDeleted(executors, workspaceId, name);
        if (now?.version.contentHash !== view.version.contentHash) return false;
      }
      // The same pool key and identity as the invoke pipeline's (invoke.service.ts runCode), so the first call finds it.
      return sandbox.prewarm({
        workspaceId,
        poolKey: `${workspaceId}/${name}/${view.version.contentHash}`,
        language: code.language,
        source: code.source,
        memoryMb: code.memoryMb,
        egress: code.egress,
        ...(dependenciesDir ? { dependenciesDir } : {}),
      });
    })().catch((err: unknown) => {
      // A warm start is an optimisation (the first call starts a worker itself), but its failure is not hidden.
      log?.warn(`prewarm of ${workspaceId}/${name} failed: ${(err as Error)?.message ?? String(err)}`);
      return false;
    });
    prewarms?.add(started);
    void started.finally(() => prewarms?.delete(started));
  });
}
