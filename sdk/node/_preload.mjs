// Script-mode preload for Node.js (--import): blocking stdio, error details for uncaught errors, egress forwarder.
import fs from 'node:fs';
import { describeError } from './_errors.mjs';

// Node queues pipe writes in its own heap when the reader is slower; a print loop would then die of memory before
// the log cap applies. Blocking writes push back on the writer instead.
for (const stream of [process.stdout, process.stderr]) stream._handle?.setBlocking?.(true);

// An uncaught error: the usual stack on stderr, plus its type/file/line for the host, then exit 1.
const fatal = (e) => {
  const d = describeError(e, process.env.OUTRIGGER_CODE || '/code/main.mjs');
  try {
    fs.writeSync(2, `${d.stack}\n`);
    fs.writeSync(4, JSON.stringify({ t: 'error', error: d }) + '\n');
  } catch {
    // the host has gone; nothing to report to
  }
  process.exit(1);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

if (process.env.OUTRIGGER_EGRESS_PORT) {
  const { startEgress } = await import('./_egress.mjs');
  await startEgress();
}
