// `npm run bench`: runs every benchmark on this machine and writes bench/RESULTS.md and bench/results.json.
// Servers run as child processes (`outrigger serve`, SQLite); each figure is measured in the same run as its baseline.
import { execFileSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { rssMb, round, startServer } from './lib.js';
import { benchApiCall } from './api-call.bench.js';
import { benchWarm, type Language, type WarmResult } from './code.bench.js';

const LANGUAGES: Language[] = ['python', 'node', 'php'];

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu} · ${round(os.totalmem() / 2 ** 30, 1)} GiB · ${os.type()} ${os.release()} · Node ${process.version}`;
}

function commit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Runs a benchmark script that prints one JSON document as its last output. */
function runJsonScript(file: string, args: string[] = []): any {
  const out = execFileSync(process.execPath, ['--import', 'tsx', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const start = out.indexOf('{');
  return JSON.parse(out.slice(start));
}

async function main() {
  const results: Record<string, any> = { machine: machine(), date: new Date().toISOString(), commit: commit() };

  // Idle RSS: a fresh server (sandbox on, one spare worker per language) after it settled.
  const server = await startServer({ OUTRIGGER_SANDBOX: 'required' });
  await new Promise((r) => setTimeout(r, 2000));
  results.idleRssMb = rssMb(server.pid);

  const warm: Record<string, WarmResult> = {};
  for (const language of LANGUAGES) warm[language] = await benchWarm(server, language);
  results.warm = Object.fromEntries(LANGUAGES.map((l) => [l, { p50Ms: warm[l]!.p50Ms, p99Ms: warm[l]!.p99Ms, rps: warm[l]!.rps }]));
  const apiCall = await benchApiCall(server);
  // The per-call overhead without queueing (one connection); the 8-connection figures are in RESULTS.md too.
  results.apiCallRatio = apiCall.sequential10ms.ratioP50;
  results.apiCall = apiCall;
  results.peakRssMb = rssMb(server.pid);
  await server.stop();

  const sandbox = runJsonScript('bench/sandbox-bench.ts', ['500', '15']);
  results.coldRatio = sandbox.coldRatio;
  results.cold = sandbox.cold;
  results.sandboxDirect = sandbox.warm;

  const events = runJsonScript('bench/events-bench.ts');
  results.events = { perSec: events.events.perSec, p50Ms: events.events.p50Ms, p99Ms: events.events.p99Ms };
  const recognition = runJsonScript('bench/recognition-search.ts');
  results.recognition = { coldNoCache: recognition.coldNoCache, cached: recognition.cached };

  fs.writeFileSync('bench/results.json', JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync('bench/RESULTS.md', render(results, warm));
  process.stdout.write(render(results, warm));
}

function render(r: Record<string, any>, warm: Record<string, WarmResult>): string {
  const a0 = r.apiCall.upstream0ms;
  const a10 = r.apiCall.upstream10ms;
  const row = (l: string) => {
    const w = warm[l]!;
    const c = r.cold[l];
    return `| ${l} | ${w.p50Ms} / ${w.p99Ms} ms | ${w.rps}/s | ${c.bareP50Ms} ms | ${c.spareColdP50Ms} ms (${r.coldRatio[l]}×) | ${c.freshColdP50Ms} ms (${c.freshRatio}×) | ${c.scriptSpareP50Ms} ms (${c.scriptSpareRatio}×) | ${c.scriptP50Ms} ms (${c.scriptFreshRatio}×) |`;
  };
  return `# Benchmark results

Machine: ${r.machine}
Date: ${r.date} · commit ${r.commit}

Produced by \`npm run bench\` (bench/run.ts). Each figure is measured in the same run as its baseline; the load
generator runs on the same 2-core machine as the server, so both compete for the CPU. Servers are
\`outrigger serve\` child processes on SQLite with the sandbox on (bubblewrap, cgroups, seccomp).

## Code executors

Warm: a trivial handler invoked through \`POST /api/executors/{name}/invoke\` (HTTP, token check, input
validation, sandboxed worker round trip, execution record written). Latency with one connection;
throughput with 16 connections. Cold: the first invocation of a new executor version against the bare
interpreter start (\`python3 -I -S -c pass\`, \`node -e 0\`, \`php -r ''\`, empty environment) — with a
pre-started spare sandbox (the default), and without one (a fresh sandbox: bwrap + cgroups + interpreter +
bootstrap; what an executor with dependencies, egress or another memory size gets). Script mode runs every
invocation in a new sandbox: a pre-started, never-used script spare (the default) or a fresh one.

| language | warm p50 / p99 (REST) | warm throughput, 16 conns | bare start | handler cold, spare | handler cold, fresh | script run, spare | script run, fresh |
|---|---|---|---|---|---|---|---|
${LANGUAGES.map(row).join('\n')}

Targets: warm p50 ≤ 2 ms, p99 ≤ 10 ms; ≥ 1,500 invocations/s for Node.js at 16 connections; cold ≤ 1.3×
the bare interpreter. Inside the sandbox alone (CodeRunner, no HTTP) a warm round trip takes
${LANGUAGES.map((l) => `${l} ${r.sandboxDirect[l].p50Ms} ms`).join(', ')} (p50).

## apiCall executors

| what | through Outrigger | direct undici call | ratio |
|---|---|---|---|
| upstream answering in 10 ms, p50 (1 conn) | ${r.apiCall.sequential10ms.viaOutrigger.p50Ms} ms | ${r.apiCall.sequential10ms.direct.p50Ms} ms | ${r.apiCall.sequential10ms.ratioP50}× (target ≤ 1.15×) |
| upstream answering in 10 ms, p50 (8 conns) | ${a10.viaOutrigger.p50Ms} ms | ${a10.direct.p50Ms} ms | ${a10.ratioP50}× |
| instant upstream, p50 / p99 (8 conns) | ${a0.viaOutrigger.p50Ms} / ${a0.viaOutrigger.p99Ms} ms | ${a0.direct.p50Ms} ms | +${a0.overheadP50Ms} ms |
| instant upstream, throughput (8 conns) | ${a0.viaOutrigger.rps}/s | ${a0.direct.rps}/s | |

## Events

End to end on SQLite (publish → hook → apiCall to a trivial upstream in another process → recorded):
**${r.events.perSec} events/s** (target ≥ 2,000); publish → execution start p50 **${r.events.p50Ms < 1 ? '< 1' : r.events.p50Ms} ms**, p99 ${r.events.p99Ms} ms
(target p50 ≤ 20 ms; both times are stored with millisecond resolution).

## Customer recognition

Search with two apiCall sources (in-process requests): without cache p50 ${r.recognition.coldNoCache.p50Ms} ms /
p99 ${r.recognition.coldNoCache.p99Ms} ms; cached p50 ${r.recognition.cached.p50Ms} ms / p99 ${r.recognition.cached.p99Ms} ms.

## Memory

Idle server RSS ${r.idleRssMb} MB (target ≤ 150 MB; the Node.js server process, sandbox workers are separate
processes); after the load ${r.peakRssMb} MB.
${profileNotes()}`;
}

/** The profile summary (bench/PROFILE.md, written by hand from bench/profile-warm.ts runs) goes under the figures. */
function profileNotes(): string {
  try {
    return `\n${fs.readFileSync('bench/PROFILE.md', 'utf8')}`;
  } catch {
    return '';
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
