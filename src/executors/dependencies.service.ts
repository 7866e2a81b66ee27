// The dependency build of a code executor's active version: its status and log, and a rebuild after a failure.
import { ProblemError } from '../errors.js';
import type { ExecutorsService } from './executors.service.js';
import type { Sandbox } from './sandbox/index.js';

/** Dependency builds as the API shows them; 503 when code cannot run on this server. */
export class DependenciesService {
  constructor(private readonly deps: { executors: ExecutorsService; sandbox?: Sandbox; unavailable?: string }) {}

  private async codeWithDependencies(workspaceId: string, name: string) {
    const def = (await this.deps.executors.get(workspaceId, name)).definition;
    if (!def.code) throw new ProblemError('CONFLICT', `executor ${name} is an apiCall executor; only code executors have dependencies`);
    if (!def.code.dependencies.trim()) throw new ProblemError('NOT_FOUND', `executor ${name} declares no dependencies`);
    if (!this.deps.sandbox) throw new ProblemError('SERVICE_UNAVAILABLE', this.deps.unavailable ?? 'code executors cannot run on this server');
    return { code: def.code, sandbox: this.deps.sandbox };
  }

  /** Status (pending, building, ready, failed) and log of the active version's build; starts it when none exists. */
  async status(workspaceId: string, name: string) {
    const { code, sandbox } = await this.codeWithDependencies(workspaceId, name);
    const s = sandbox.ensureDependencies(code.language, code.dependencies, { workspaceId, allowInstallScripts: code.allowInstallScripts === true });
    return {
      language: code.language, status: s.status, key: s.key, error: s.error ?? null, log: s.log,
      // A failed build stays failed until retried: say how.
      retry: s.status === 'failed' ? `save the executor again or POST /api/executors/${name}/dependencies/rebuild` : null,
      installScripts: code.allowInstallScripts === true,
    };
  }

  /** Builds the dependencies again (after a failure). */
  async rebuild(workspaceId: string, name: string) {
    const { code, sandbox } = await this.codeWithDependencies(workspaceId, name);
    const s = sandbox.ensureDependencies(code.language, code.dependencies, { workspaceId, retry: true, allowInstallScripts: code.allowInstallScripts === true });
    return { language: code.language, status: s.status, key: s.key };
  }
}
