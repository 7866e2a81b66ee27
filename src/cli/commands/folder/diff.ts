// `outrigger diff [names...] --dir executors`: what push would change (executors and bindings) as unified diffs, and what
// exists only on the server; exit 1 when anything differs (for CI).
import { clientFrom, type ClientOptions } from '../../client.js';
import type { CliIo } from '../../io.js';
import { buildPlan, planDiff, planSummary } from '../../folder/plan.js';

/** Prints a diff per changed file from the server's state to the folder; returns 1 when there are differences. */
export async function diff(names: string[], flags: ClientOptions & { dir: string }, io: CliIo): Promise<number> {
  const call = clientFrom(flags, io.env);
  const plan = await buildPlan(call, flags.dir, names, { what: 'nothing compared' });
  io.stdout(planDiff(plan));
  const { changes, serverOnly } = planSummary(plan);
  const n = plan.executors.length;
  const b = plan.bindings.filter((x) => x.local).length;
  const total = `${n} executor${n === 1 ? '' : 's'}${plan.bindingsManaged ? ` and ${b} binding${b === 1 ? '' : 's'}` : ''}`;
  io.stdout(changes.length ? `${changes.length} of ${total} would change: ${changes.join(', ')}\n` : `no differences (${total})\n`);
  if (serverOnly.length) io.stdout(`only on the server (push --prune deletes them): ${serverOnly.join(', ')}\n`);
  return changes.length || serverOnly.length ? 1 : 0;
}
