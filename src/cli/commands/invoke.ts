// `outrigger invoke <executor> --input '{…}'`: runs the active version and prints the result; exit 1 when it failed.
import { clientFrom, parseJsonArg, type ClientOptions } from '../client.js';

export async function invoke(name: string, flags: ClientOptions & { input?: string }): Promise<number> {
  const call = clientFrom(flags);
  const input = flags.input ? parseJsonArg(flags.input, '--input') : {};
  const r = await call('POST', `/api/executors/${encodeURIComponent(name)}/invoke`, { input });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  return r.status === 'ok' ? 0 : 1;
}
