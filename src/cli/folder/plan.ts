// What push would do with a whole folder (executors and bindings) against a server: read and check everything first,
// then compare with what the server has, including what exists only there (listed by diff, deleted by push --prune).
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { CliError, type ApiCall } from '../client.js';
import { BINDING_KINDS, BINDINGS_DIR, bindingsFileText, readBindingsFolder, type BindingKind, type LocalBinding } from './bindings.js';
import { compareWithServer, unifiedDiff, type Comparison } from './compare.js';
import { sortKeys } from '../../executors-folder/json-file.js';
import { FolderError, formatProblem, readExecutorFolder, selectFolders, type FolderProblem, type LocalExecutor } from '../../executors-folder/layout.js';

type Spec = Record<string, unknown>;

/** One binding compared with the server. */
export interface BindingChange {
  kind: BindingKind;
  name: string;
  local: LocalBinding | null;
  remote: Spec | null;
  state: 'new' | 'changed' | 'unchanged' | 'server-only';
}

/** Everything push would do, decided before anything is sent. */
export interface FolderPlan {
  executors: Comparison[];
  /** Executors on the server without a folder (only when the whole folder is compared). */
  serverOnlyExecutors: string[];
  /** False when names were given or the folder has no bindings/ directory: bindings are then left alone. */
  bindingsManaged: boolean;
  bindings: BindingChange[];
  /** Remote bindings by kind (for the file diffs). */
  remoteBindings: Map<BindingKind, Spec[]>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

/** Every binding of every kind the server has, as specs. */
export async function fetchRemoteBindings(call: ApiCall): Promise<Map<BindingKind, Spec[]>> {
  const out = new Map<BindingKind, Spec[]>();
  for (const kind of BINDING_KINDS) {
    const r = (await call('GET', kind.path)) as { items: Spec[] };
    out.set(kind, r.items.map((v) => kind.fromView(v)));
  }
  return out;
}

/**
 * Reads every executor folder and bindings file and checks them, with the references of the bindings resolved against
 * the folder and the server (an executor or tool that would be pruned does not count); all problems are thrown
 * together, naming file, line and field, before anything is sent.
 */
export async function buildPlan(call: ApiCall, dir: string, names: string[], opts: { prune?: boolean; what: string }): Promise<FolderPlan> {
  const whole = names.length === 0;
  const problems: FolderProblem[] = [];
  const locals: LocalExecutor[] = [];
  let folderNames: string[] = [];
  try {
    folderNames = selectFolders(dir, names);
  } catch (err) {
    // A folder holding only bindings is fine when the whole folder is pushed.
    if (!(whole && err instanceof CliError && /no executor folders/.test(err.message))) throw err;
  }
  for (const name of folderNames) {
    try {
      locals.push(readExecutorFolder(dir, name));
    } catch (err) {
      if (!(err instanceof FolderError)) throw err;
      problems.push(...err.problems);
    }
  }
  const bindings = whole ? readBindingsFolder(dir) : { managed: false, items: [], problems: [] };
  problems.push(...bindings.problems);
  if (!folderNames.length && !bindings.managed) throw new CliError(`no executor folders or ${BINDINGS_DIR}/ in ${dir} (expected ${dir}/<name>/executor.json)`);

  const serverExecutors = ((await call('GET', '/api/executors')).items as Array<{ name: string }>).map((e) => e.name);
  const localNames = new Set(locals.map((l) => l.name));
  const serverOnlyExecutors = whole ? serverExecutors.filter((n) => !localNames.has(n) && !folderNames.includes(n)).sort() : [];
  const remoteBindings = bindings.managed ? await fetchRemoteBindings(call) : new Map<BindingKind, Spec[]>();

  // References: an executor in the folder, or on the server and not about to be pruned; the same for AI tools.
  const executorsAfter = new Set([...folderNames, ...serverExecutors.filter((n) => !(opts.prune && serverOnlyExecutors.includes(n)))]);
  const toolsKind = BINDING_KINDS.find((k) => k.file === 'ai-tools')!;
  const localTools = new Set(bindings.items.filter((b) => b.kind === toolsKind).map((b) => b.name));
  const toolsAfter = new Set([...localTools, ...(opts.prune ? [] : (remoteBindings.get(toolsKind) ?? []).map((t) => String(t.name)))]);
  for (const b of bindings.items) {
    const executor = b.spec.executor;
    if (typeof executor === 'string' && !executorsAfter.has(executor)) {
      problems.push({ file: b.file, line: b.lineOf('/executor'), field: `${pointerOf(b)}/executor`, message: `names executor ${executor}, which is neither a folder in ${dir} nor on the server${opts.prune && serverExecutors.includes(executor) ? ' (it would be pruned)' : ''}` });
    }
    if (b.kind.toolsField) {
      (b.spec.tools as string[]).forEach((t, i) => {
        if (!toolsAfter.has(t)) problems.push({ file: b.file, line: b.lineOf(`/tools/${i}`), field: `${pointerOf(b)}/tools/${i}`, message: `names AI tool ${t}, which is neither in ${BINDINGS_DIR}/${toolsKind.file}.json nor on the server` });
      });
    }
  }
  if (problems.length) {
    const e = new FolderError(problems);
    e.message = `invalid folder (${problems.length} problem${problems.length > 1 ? 's' : ''}); ${opts.what}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
    throw e;
  }

  const executors: Comparison[] = [];
  for (const local of locals) executors.push(serverExecutors.includes(local.name) ? await compareWithServer(call, local) : { local, remote: null, remoteVersion: null, state: 'new' });
  const changes: BindingChange[] = [];
  if (bindings.managed) {
    for (const kind of BINDING_KINDS) {
      const remote = new Map((remoteBindings.get(kind) ?? []).map((s) => [String(s.name), s]));
      const local = bindings.items.filter((b) => b.kind === kind);
      for (const l of local) {
        const r = remote.get(l.name) ?? null;
        changes.push({ kind, name: l.name, local: l, remote: r, state: !r ? 'new' : same(r, l.spec) ? 'unchanged' : 'changed' });
      }
      const localSet = new Set(local.map((l) => l.name));
      for (const [name, r] of remote) if (!localSet.has(name)) changes.push({ kind, name, local: null, remote: r, state: 'server-only' });
    }
  }
  return { executors, serverOnlyExecutors, bindingsManaged: bindings.managed, bindings: changes, remoteBindings };
}

/** The pointer of a binding's entry in its file (its index). */
const pointerOf = (b: LocalBinding): string => b.pointer;

/** Unified diffs of everything that differs: executor files, then each bindings file, as git shows them. */
export function planDiff(plan: FolderPlan): string {
  let out = plan.executors.filter((c) => c.state !== 'unchanged').map(unifiedDiff).join('');
  for (const kind of BINDING_KINDS) {
    const changes = plan.bindings.filter((c) => c.kind === kind);
    if (!changes.some((c) => c.state !== 'unchanged')) continue;
    const before = plan.remoteBindings.get(kind) ?? [];
    const after = changes.filter((c) => c.local).map((c) => c.local!.spec);
    const file = `${BINDINGS_DIR}/${kind.file}.json`;
    out += createTwoFilesPatch(before.length ? `a/${file}` : '/dev/null', after.length ? `b/${file}` : '/dev/null',
      before.length ? bindingsFileText(before) : '', after.length ? bindingsFileText(after) : '', undefined, undefined, { headerOptions: FILE_HEADERS_ONLY });
  }
  return out;
}

/** One line per thing that would change, e.g. `agent address_change (changed)`; server-only ones say what --prune does. */
export function planSummary(plan: FolderPlan): { changes: string[]; serverOnly: string[] } {
  const changes = plan.executors.filter((c) => c.state !== 'unchanged')
    .map((c) => `${c.local.name} (${c.state === 'new' ? 'new' : `changed from version ${c.remoteVersion}`})`);
  changes.push(...plan.bindings.filter((b) => b.state === 'new' || b.state === 'changed').map((b) => `${b.kind.label} ${b.name} (${b.state})`));
  const serverOnly = [...plan.serverOnlyExecutors.map((n) => `executor ${n}`), ...plan.bindings.filter((b) => b.state === 'server-only').map((b) => `${b.kind.label} ${b.name}`)];
  return { changes, serverOnly };
}
