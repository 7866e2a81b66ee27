// Script-spare launcher for Node.js (main module of a pre-started script sandbox; _preload.mjs ran before it):
// announces itself, blocks on the private channel for one message (source + execution info), writes the source to
// this sandbox's own /tmp/.outrigger/main.mjs and imports it — from then on the run is a plain script run.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const USER_FILE = process.env.OUTRIGGER_CODE || '/tmp/.outrigger/main.mjs';
fs.writeSync(4, '{"t":"ready"}\n');
// Synchronous reads: nothing else of the script may run (or be scheduled) before its source is in place. The host
// sends nothing after this message until the script itself calls the SDK, so whole chunks are safe to read.
const chunks = [];
const buf = Buffer.alloc(1 << 16);
for (;;) {
  let n;
  try {
    n = fs.readSync(3, buf);
  } catch (e) {
    if (e.code === 'EAGAIN') continue;
    throw e;
  }
  if (n === 0) process.exit(1); // the host went away before handing over a script
  chunks.push(Buffer.from(buf.subarray(0, n)));
  if (buf[n - 1] === 10) break;
}
const msg = JSON.parse(Buffer.concat(chunks).toString('utf8'));
fs.mkdirSync(USER_FILE.slice(0, USER_FILE.lastIndexOf('/')), { recursive: true, mode: 0o700 });
fs.writeFileSync(USER_FILE, msg.source);
// The environment of a fresh run: OUTRIGGER_EXECUTION for the SDK's ctx, argv[1] the script, no trace of the spare.
process.env.OUTRIGGER_EXECUTION = msg.execution;
delete process.env.OUTRIGGER_SPARE;
for (const [k, v] of Object.entries(msg.env ?? {})) if (/^ENNEO_[A-Z_]{1,40}$/.test(k) && typeof v === 'string') process.env[k] = v;
process.argv[1] = USER_FILE;
// An uncaught error of the script reaches _preload.mjs's handler exactly as for a main module (stack, exit 1).
await import(pathToFileURL(USER_FILE).href);
