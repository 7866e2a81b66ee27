// Starts the code sandbox for a server (or says why code cannot run here) and connects it to executor versions.
import type { Config } from '../config.js';
import type { ReadinessCheck } from '../observability/readiness.js';
import { createSandbox, type Sandbox } from './sandbox/index.js';
import type { ExecutorsService } from './executors.service.js';

export interface CodeRuntime {
  sandbox?: Sandbox;
  /** Why code executors cannot run on this server (when `sandbox` is absent). */
  unavailable?: string;
  readiness: ReadinessCheck;
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
    return { unavailable, readiness: { name: 'sandbox', check: async () => ({ ok: true, detail: unavailable }) } };
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
    return { unavailable, readiness: { name: 'sandbox', check: async () => ({ ok: true, detail: unavailable }) } };
  }
}

/** Drops warm workers of replaced versions and starts dependency builds as soon as a version becomes active. */
export function connectVersions(sandbox: Sandbox, executors: ExecutorsService): void {
  executors.onVersionChange(async (workspaceId, name) => {
    await sandbox.evict(`${workspaceId}/${name}/`);
    try {
      const def = (await executors.get(workspaceId, name)).definition;
      // A new save starts the build again even when the last one of the same text failed.
      if (def.code?.dependencies.trim()) sandbox.ensureDependencies(def.code.language, def.code.dependencies, { workspaceId, retry: true, allowInstallScripts: def.code.allowInstallScripts === true });
    } catch {
      // deleted: nothing to build
    }
  });
}
