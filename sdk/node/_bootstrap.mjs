// Handler-mode worker for Node.js: imports main.mjs once, then answers JSON-line invocations on fd 3/4.
import fs from 'node:fs';
import vm from 'node:vm';
import { format } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Context, _channel } from './outrigger.mjs';
import { describeError, escapeRegExp } from './_errors.mjs';

const USER_FILE = process.env.OUTRIGGER_CODE || '/code/main.mjs';
const USER_URL = pathToFileURL(USER_FILE).href;
const ch = _channel();
ch.hold();

// console.* and process.stdout/stderr become log lines of the current execution, never output.
const logAt = (level) => (...args) => ch.send({ t: 'log', level, message: format(...args) });
console.log = console.info = logAt('info');
console.debug = console.trace = logAt('debug');
console.warn = logAt('warn');
console.error = logAt('error');
for (const [stream, level] of [[process.stdout, 'info'], [process.stderr, 'error']]) {
  stream.write = (chunk, enc, cb) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    for (const line of text.replace(/\n$/, '').split('\n')) ch.send({ t: 'log', level, message: line });
    if (typeof enc === 'function') enc();
    else if (typeof cb === 'function') cb();
    return true;
  };
}

const describe = (e) => describeError(e, USER_FILE);

let current = null; // the invocation in progress, so that stray async errors are reported against it

/** Timers and immediates that keep the loop alive: more after the handler than before means it left work behind. */
const pendingTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
let timersBefore = 0;

function finish(res) {
  if (!current) return;
  current = null;
  // The host recycles a worker whose handler left timers running (its cgroup is frozen between invocations anyway).
  if (pendingTimers() > timersBefore) res.lingering = true;
  let line;
  try {
    line = JSON.stringify(res);
    if (res.ok && JSON.stringify(res.output) === undefined) throw new Error('undefined is not JSON');
  } catch (e) {
    line = JSON.stringify({ t: 'result', ok: false, error: { code: 'OUTPUT_INVALID', message: `handler returned a value that is not JSON: ${e.message}` } });
  }
  ch.sendRaw(line);
}

const fail = (e) => finish({ t: 'result', ok: false, error: { code: 'RUNTIME_ERROR', ...describe(e) } });
process.on('uncaughtException', (e) => {
  fail(e);
  process.exit(70); // state is unknown after an uncaught error: the host recycles this worker anyway
});
process.on('unhandledRejection', (e) => {
  fail(e);
  process.exit(70);
});

if (process.env.OUTRIGGER_EGRESS_PORT) {
  const { startEgress } = await import('./_egress.mjs');
  await startEgress();
}

if (process.env.OUTRIGGER_SPARE) {
  // A pre-started spare: the code arrives over the channel once a pool takes this worker.
  ch.send({ t: 'ready' });
  // One-shot: the invoke that follows in the same chunk must land in the backlog, not here.
  const first = ch.backlog.shift() ?? (await new Promise((resolve) => (ch.onMessage = (m) => {
    ch.onMessage = null;
    resolve(m);
  })));
  fs.mkdirSync(USER_FILE.slice(0, USER_FILE.lastIndexOf('/')), { recursive: true });
  fs.writeFileSync(USER_FILE, first.source ?? '');
}

let handler = null;
let loadError = null;
try {
  const mod = await import(USER_URL);
  handler = typeof mod.default === 'function' ? mod.default : mod.handler;
  if (typeof handler !== 'function') loadError = { type: 'TypeError', message: 'main.mjs must export default async function handler(input, ctx)', stack: '' };
} catch (e) {
  loadError = describe(e);
  if (e instanceof SyntaxError && loadError.line === undefined) Object.assign(loadError, locateSyntaxError());
}

/**
 * Node does not put the location of a module's syntax error into err.stack (only into the fatal-error banner).
 * Re-parse the source as a script, with the module-only syntax neutralised line by line (line numbers kept),
 * to find the line; best effort.
 */
function locateSyntaxError() {
  try {
    const src = fs.readFileSync(USER_FILE, 'utf8')
      .replace(/^(\s*)import\s[^;\n]*?from\s*['"][^'"]+['"];?/gm, '$1void 0;')
      .replace(/^(\s*)import\s*['"][^'"]+['"];?/gm, '$1void 0;')
      .replace(/^(\s*)export\s+(default\s+)?/gm, '$1')
      .replace(/\bimport\.meta\b/g, '({})');
    new vm.Script(`(async function () {${src}\n})`, { filename: USER_FILE });
  } catch (e) {
    const m = new RegExp(`${escapeRegExp(USER_FILE)}:(\\d+)`).exec(String(e.stack));
    if (m) return { file: 'main.mjs', line: Number(m[1]), stack: `main.mjs:${m[1]}\n${loadError.stack}` };
  }
  return {};
}

ch.onMessage = async (msg) => {
  if (msg.t !== 'invoke') return;
  current = msg;
  timersBefore = pendingTimers();
  if (loadError) return finish({ t: 'result', ok: false, error: { code: 'RUNTIME_ERROR', ...loadError } });
  try {
    const output = await handler(msg.input, new Context(msg.execution));
    finish({ t: 'result', ok: true, output: output === undefined ? null : output });
  } catch (e) {
    fail(e);
  }
};
for (const msg of ch.backlog.splice(0)) ch.onMessage(msg);
