// Carries out a checked FolderPlan on the server in dependency order: executors, then bindings (what they reference
// first), then with --prune the deletions in reverse order; and the version message taken from Git.
import { execFileSync } from 'node:child_process';
import { BINDING_KINDS } from './bindings.js';
import { CliHttpError, type ApiCall } from '../client.js';
import type { FolderPlan } from './plan.js';

export interface ApplyOptions {
  message?: string;
  prune?: boolean;
  out(text: string): void;
  err(text: string): void;
}

/** `<subject> (<short hash>)` of the HEAD commit of the Git repository holding `dir`, or undefined outside one. */
export function gitHeadMessage(dir: string): string | undefined {
  try {
    // No shell: git is run directly with fixed arguments; stderr is swallowed (not a repository, git missing).
    const text = execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h%x00%s'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    const [hash, subject] = text.trim().split('\0');
    if (!hash) return undefined;
    // The version message holds at most 1000 characters; a long subject is cut, the hash always stays.
    return `${(subject ?? '').slice(0, 900)} (${hash})`;
  } catch {
    return undefined;
  }
}

const refusal = (err: unknown): err is CliHttpError => err instanceof CliHttpError && (err.status === 400 || err.status === 409 || err.status === 422);

/** How to take back one change the push made (run newest first when a later step is refused). */
interface Undo {
  label: string;
  run(): Promise<unknown>;
}

/**
 * Takes back what this push applied, newest first: a created binding or executor is deleted, a replaced binding is put
 * back as the server had it, a changed executor gets its previous version active again (the pushed version stays in
 * its history, like a revert). Returns the exit code 1 of a refused push.
 */
async function undoAll(undo: Undo[], o: ApplyOptions, stoppedAt: string): Promise<number> {
  const taken: string[] = [];
  const failed: string[] = [];
  for (const u of [...undo].reverse()) {
    try {
      await u.run();
      taken.push(u.label);
    } catch (err) {
      failed.push(`${u.label} (${(err as Error).message.split('\n')[0]})`);
    }
  }
  o.err(`outrigger: the push stopped at ${stoppedAt}; ${taken.length ? `rolled back: ${taken.join(', ')}` : 'nothing had been applied'}\n`);
  if (failed.length) o.err(`outrigger: could NOT roll back: ${failed.join(', ')}; the server keeps those changes\n`);
  return 1;
}

/**
 * All or nothing: executors are PUT first (every refused one is reported), bindings only when every executor went
 * through, each kind after the kinds it references; a refusal anywhere (an executor, a binding, a --prune deletion the
 * server refuses) rolls back everything this push had applied. The folder was checked before (plan.ts), so a refusal
 * here is what only the server can know (a name or intent taken meanwhile, a quota). Rolling back is a second series
 * of requests, not a transaction: a server that goes away in the middle keeps part of it, and the report says which.
 * Executors deleted by --prune are not restored (their history is gone), so they are deleted last. Returns the exit code.
 */
export async function applyPlan(call: ApiCall, plan: FolderPlan, o: ApplyOptions): Promise<number> {
  const refused: string[] = [];
  const undo: Undo[] = [];
  for (const c of plan.executors) {
    if (c.state === 'unchanged') {
      o.out(`${c.local.name}: unchanged\n`);
      continue;
    }
    const name = c.local.name;
    const at = `/api/executors/${encodeURIComponent(name)}`;
    try {
      const body = { ...c.local.definition, ...(o.message ? { message: o.message } : {}) };
      const r = await call('PUT', at, body);
      const what = r.changed === false ? 'unchanged' : r.latestVersion === 1 ? 'created' : `version ${r.activeVersion}`;
      o.out(`${name}: ${what}\n`);
      if (r.changed === false) continue;
      const previous = c.remoteVersion;
      undo.push(previous === null
        ? { label: `executor ${name} (deleted)`, run: () => call('DELETE', at) }
        : { label: `executor ${name} (version ${previous} active again)`, run: () => call('POST', `${at}/rollback`, { version: previous }) });
    } catch (err) {
      // Refusals of this executor's content are reported and the others still tried (all problems at once); anything
      // else (unreachable, no permission) stops the push.
      if (!refusal(err)) return stop(err);
      refused.push(name);
      const fields = err.errors.map((e) => `\n  ${c.local.fileOf(e.field)}: ${e.field} ${e.message}`).join('');
      o.out(`${name}: FAILED ${err.message.split('\n')[0]}${fields}\n`);
    }
  }
  if (refused.length) {
    const n = plan.executors.length;
    o.err(`outrigger: ${refused.length} of ${n} executor${n > 1 ? 's' : ''} failed to push${plan.bindingsManaged ? '; no binding was applied' : ''}\n`);
    return undoAll(undo, o, `executor ${refused[0]}`);
  }
  for (const b of plan.bindings) {
    if (b.state === 'unchanged' || b.state === 'server-only') continue;
    const local = b.local!;
    const label = `${b.kind.label} ${b.name}`;
    const at = `${b.kind.path}/${encodeURIComponent(b.name)}`;
    try {
      await call('PUT', at, local.body);
      o.out(`${label}: ${b.state === 'new' ? 'created' : 'replaced'}\n`);
      const before = b.remote;
      undo.push(before === null
        ? { label: `${label} (deleted)`, run: () => call('DELETE', at) }
        : { label: `${label} (put back)`, run: () => call('PUT', at, before) });
    } catch (err) {
      if (!refusal(err)) return stop(err);
      const fields = err.errors.map((e) => `\n  ${local.file}:${local.lineOf(e.field) ?? local.line}: ${local.pointer}${e.field} ${e.message}`).join('');
      o.out(`${label}: FAILED ${err.message.split('\n')[0]}${fields || `\n  ${local.file}:${local.line}`}\n`);
      return undoAll(undo, o, label);
    }
  }
  const serverOnly = [
    ...[...BINDING_KINDS].reverse().flatMap((k) => plan.bindings.filter((b) => b.kind === k && b.state === 'server-only')
      .map((b) => ({ label: `${k.label} ${b.name}`, path: `${k.path}/${encodeURIComponent(b.name)}`, restore: b.remote }))),
    ...plan.serverOnlyExecutors.map((n) => ({ label: `executor ${n}`, path: `/api/executors/${encodeURIComponent(n)}`, restore: null })),
  ];
  if (!o.prune) {
    if (serverOnly.length) o.out(`only on the server (kept; push --prune deletes them): ${serverOnly.map((x) => x.label).join(', ')}\n`);
    return 0;
  }
  for (const x of serverOnly) {
    try {
      await call('DELETE', x.path);
      o.out(`${x.label}: deleted (--prune)\n`);
      const spec = x.restore;
      if (spec) undo.push({ label: `${x.label} (created again)`, run: () => call('PUT', x.path, spec) });
    } catch (err) {
      if (!refusal(err)) return stop(err);
      o.out(`${x.label}: FAILED to delete: ${err.message.split('\n')[0]}\n`);
      return undoAll(undo, o, `${x.label} (--prune)`);
    }
  }
  return 0;

  /** The server cannot be reached or refuses us: no rollback is attempted, the report names what was applied. */
  function stop(err: unknown): never {
    if (undo.length) o.err(`outrigger: the push broke off; already applied: ${undo.map((u) => u.label.replace(/ \(.*\)$/, '')).join(', ')}\n`);
    throw err;
  }
}
