// `outrigger invoke <executor> --input '{…}'`: runs the active version and prints the result; exit 1 when it failed.
import { clientFrom, parseJsonArg, type ClientOptions } from '../client.js';
import type { CliIo } from '../io.js';

export async function invoke(name: string, flags: ClientOptions & { input?: string }, io: CliIo): Promise<number> {
  const call = clientFrom(flags, io.env);
  const input = flags.input ? parseJsonArg(flags.input, '--input') : {};
  const r = await call('POST', `/api/executors/${encodeURIComponent(name)}/invoke`, { input });
  io.stdout(JSON.stringify(r, null, 2) + '\n');
  return r.status === 'ok' ? 0 : 1;
}
