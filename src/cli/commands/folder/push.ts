// `outrigger push [names...] --dir executors [-m message] [--prune] [--dry-run]`: creates or versions executors and
// replaces bindings from the folder; the version message defaults to the Git HEAD commit.
import { clientFrom, type ClientOptions } from '../../client.js';
import type { CliIo } from '../../io.js';
import { applyPlan, gitHeadMessage } from '../../folder/apply.js';
import { buildPlan, planSummary } from '../../folder/plan.js';

export interface PushFlags extends ClientOptions {
  dir: string;
  message?: string;
  dryRun?: boolean;
  prune?: boolean;
}

/**
 * The whole folder is read and checked first (executors, bindings, the references between them and to the server):
 * one problem anywhere stops the push before anything is sent, naming file, line and field.
 */
export async function push(names: string[], flags: PushFlags, io: CliIo): Promise<number> {
  const call = clientFrom(flags, io.env);
  const plan = await buildPlan(call, flags.dir, names, { prune: flags.prune, what: 'nothing was pushed' });
  if (flags.dryRun) {
    for (const c of plan.executors) {
      const what = c.state === 'new' ? 'would be created' : c.state === 'unchanged' ? 'unchanged' : `would change (active version ${c.remoteVersion})`;
      io.stdout(`${c.local.name}: ${what}\n`);
    }
    for (const b of plan.bindings.filter((x) => x.state === 'new' || x.state === 'changed')) {
      io.stdout(`${b.kind.label} ${b.name}: ${b.state === 'new' ? 'would be created' : 'would be replaced'}\n`);
    }
    const { serverOnly } = planSummary(plan);
    if (serverOnly.length) io.stdout(`only on the server (${flags.prune ? 'would be deleted' : 'kept; --prune deletes them'}): ${serverOnly.join(', ')}\n`);
    return 0;
  }
  const message = flags.message ?? gitHeadMessage(flags.dir);
  return applyPlan(call, plan, { message, prune: flags.prune, out: io.stdout, err: io.stderr });
}
