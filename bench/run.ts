// `npm run bench`: runs every benchmark on this machine and writes bench/RESULTS.md and bench/results.json.
// Servers run as child processes (`outrigger serve`, SQLite); each figure is measured in the same run as its baseline.
import { execFileSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rssMb, rssPerWorker, round, startServer } from './lib.js';
import { benchApiCall } from './api-call.bench.js';
import { benchWarm, benchWebhook, type Language, type WarmResult } from './code.bench.js';
import { benchHttpBaseline } from './http-baseline.js';
import { benchFirstCall } from './first-call.bench.js';
import { compareWithN8n, type N8nComparison } from './compare/n8n.js';
import { benchRemoteInvoke } from './remote-invoke.bench.js';
import { runFairness } from './fairness.bench.js';
import { benchFleet } from './fleet.bench.js';

const LANGUAGES: Language[] = ['python', 'node', 'php'];
/** Short runs (BENCH_QUICK=1) check that the bench works; figures need the full counts on a quiet machine. */
const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? 300 : 3000;
/** PostgreSQL for the sections that need it (BENCH_DATABASE_URL, default: the local test database). */
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://outrigger:outrigger@127.0.0.1:5432/outrigger_test';

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
function runJsonScript(file: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env): any {
  const out = execFileSync(process.execPath, ['--import', 'tsx', file, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const start = out.indexOf('{');
  return JSON.parse(out.slice(start));
}

/** Sections runnable alone (`npm run bench -- fairness`): each adds its keys to the results. */
const SECTIONS: Record<string, (results: Record<string, any>) => Promise<void>> = {
  // One workspace's flood against another's webhook p99 (target ≤ 2×) on one server with the sandbox on.
  async fairness(results) {
    const server = await startServer({ OUTRIGGER_SANDBOX: 'required' });
    try {
      const r = await runFairness(server, QUICK ? { flood: 1000, aloneCalls: 60, bEvents: 3, intervalMs: 50 } : { flood: 5000, aloneCalls: 200, bEvents: 5, intervalMs: 50 });
      results.fairness = { bP99AloneMs: r.bP99AloneMs, bP99FloodMs: r.bP99FloodMs, ratio: r.ratio, bStartMaxMs: Math.max(...r.bStartDelaysMs), flood: r.aSucceeded, floodMs: r.floodMs };
    } finally {
      await server.stop();
    }
  },
  // Synchronous invocations through an api node and a worker node against one `--role all` node (both PostgreSQL).
  async remoteInvoke(results) {
    results.remoteInvoke = await benchRemoteInvoke(PG_URL, N);
  },
  // Events/s with 1 and 2 worker processes behind one api node on PostgreSQL, and the reclaim time of a killed worker.
  async fleet(results) {
    results.fleet = await benchFleet(PG_URL, QUICK ? 1000 : 10_000);
  },
};

/** `npm run bench -- <section>…`: only those sections; a full run merges them into bench/results.json. */
async function runSections(names: string[]): Promise<void> {
  const unknown = names.filter((n) => !SECTIONS[n]);
  if (unknown.length) throw new Error(`unknown bench section(s) ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`);
  const results: Record<string, any> = {};
  for (const n of names) await SECTIONS[n]!(results);
  if (!QUICK) {
    const file = path.join('bench', 'results.json');
    const all = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
    fs.writeFileSync(file, JSON.stringify({ ...all, ...results }, null, 2) + '\n');
    process.stderr.write(`merged into ${file}\n`);
  }
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
}

async function main() {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  if (only.length) return runSections(only);
  const results: Record<string, any> = { machine: machine(), date: new Date().toISOString(), commit: commit() };

  // Idle RSS: a fresh server (sandbox on, one spare worker per language) after it settled.
  const server = await startServer({ OUTRIGGER_SANDBOX: 'required' });
  await new Promise((r) => setTimeout(r, 2000));
  results.idleRssMb = rssMb(server.pid);

  // The HTTP stack's limit on this machine, right before ours (the same load generator and body).
  const baseline = await benchHttpBaseline(N * 5, 16);
  results.httpBaselineRps = baseline.rps;
  results.httpBaseline = baseline;
  const warm: Record<string, WarmResult> = {};
  for (const language of LANGUAGES) warm[language] = await benchWarm(server, language, N);
  // Right after the warm runs every language has warm workers (and a spare) alive.
  results.rssPerWorkerMb = rssPerWorker(server.pid);
  results.webhook = {};
  for (const language of LANGUAGES) {
    const w = await benchWebhook(server, language, N * 2);
    results.webhook[language] = { rps: w.rps, p50Ms: w.p50Ms, p99Ms: w.p99Ms };
  }
  results.warm = Object.fromEntries(LANGUAGES.map((l) => [l, { p50Ms: warm[l]!.p50Ms, p99Ms: warm[l]!.p99Ms, rps: warm[l]!.rps }]));
  // Heavy dependencies need the package registries; a failed build leaves the figure out (with the reason).
  results.firstCallAfterDeployMs = {};
  for (const language of ['python', 'node'] as const) {
    const r = await benchFirstCall(server, language);
    if (typeof r === 'number') results.firstCallAfterDeployMs[language] = r;
    else (results.firstCallAfterDeployProblems ??= {})[language] = r.error;
  }
  const apiCall = await benchApiCall(server);
  // The per-call overhead without queueing (one connection); the 8-connection figures are in RESULTS.md too.
  results.apiCallRatio = apiCall.sequential10ms.ratioP50;
  results.apiCall = apiCall;
  results.peakRssMb = rssMb(server.pid);
  await server.stop();

  const sandbox = runJsonScript('bench/sandbox-bench.ts', QUICK ? ['50', '2'] : ['500', '15']);
  results.coldRatio = sandbox.coldRatio;
  // A fresh sandbox (no spare: dependencies, egress, another memory size) against the bare interpreter.
  results.coldRatioFresh = Object.fromEntries(Object.entries(sandbox.cold as Record<string, { freshRatio: number }>).map(([l, c]) => [l, c.freshRatio]));
  results.cold = sandbox.cold;
  results.sandboxDirect = sandbox.warm;

  const events = runJsonScript('bench/events-bench.ts', [], QUICK ? { ...process.env, BENCH_EVENTS: '1000', BENCH_PACED: '200' } : process.env);
  results.events = { perSec: events.events.perSec, p50Ms: events.events.p50Ms, p99Ms: events.events.p99Ms };
  // The same pipeline on PostgreSQL with one node (BENCH_DATABASE_URL, default: the local test database).
  const pgEnv = { ...process.env, BENCH_DATABASE_URL: PG_URL, ...(QUICK ? { BENCH_EVENTS: '1000', BENCH_PACED: '200' } : {}) };
  const eventsPg = runJsonScript('bench/events-bench.ts', [], pgEnv);
  results.events.pg = { perSec: eventsPg.events.perSec, p50Ms: eventsPg.events.p50Ms, p99Ms: eventsPg.events.p99Ms };
  const recognition = runJsonScript('bench/recognition-search.ts');
  results.recognition = { coldNoCache: recognition.coldNoCache, cached: recognition.cached };
  for (const section of Object.values(SECTIONS)) await section(results);
  // n8n side by side, where it is installed (bench/compare/n8n.ts says how); left out otherwise.
  const n8n = await compareWithN8n();
  if (n8n) results.n8n = n8n;

  // A quick run only checks the bench: its figures never replace the recorded ones.
  const out = QUICK ? fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-bench-quick-')) : 'bench';
  fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(path.join(out, 'RESULTS.md'), render(results, warm));
  process.stderr.write(`written to ${out}/results.json and ${out}/RESULTS.md\n`);
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

Throughput against the HTTP limit: a bare \`node:http\` JSON echo in its own process answers
**${r.httpBaselineRps}/s** at 16 connections in this run (p50 ${r.httpBaseline.p50Ms} ms).

| language | invoke, 16 conns | webhook call, 16 conns (p50 / p99) | invoke / HTTP limit | webhook / HTTP limit |
|---|---|---|---|---|
${LANGUAGES.map((l) => `| ${l} | ${warm[l]!.rps}/s | ${r.webhook[l].rps}/s (${r.webhook[l].p50Ms} / ${r.webhook[l].p99Ms} ms) | ${round(warm[l]!.rps / r.httpBaselineRps, 3)} | ${round(r.webhook[l].rps / r.httpBaselineRps, 3)} |`).join('\n')}

Targets: ≥ 5,000/s for Node.js at 16 connections (webhook and invoke), p99 ≤ 10 ms; Python and PHP within 20% of Node.

First call after saving an executor with heavy dependencies (build ready, its worker started in the background):
Python requests + pydantic ${r.firstCallAfterDeployMs.python ?? r.firstCallAfterDeployProblems?.python} ms, Node zod
${r.firstCallAfterDeployMs.node ?? r.firstCallAfterDeployProblems?.node} ms (target ≤ 100 ms).

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
(target p50 ≤ 20 ms; both times are stored with millisecond resolution). On PostgreSQL (one node):
**${r.events.pg.perSec} events/s** (target ≥ 2,000), start p50 ${r.events.pg.p50Ms} ms, p99 ${r.events.pg.p99Ms} ms.

## Separate tiers

A trivial Node handler invoked at one connection through an api node, which hands each call to a worker node
(a \`sync_jobs\` row, the worker woken by NOTIFY, the result back by NOTIFY), against the same call on one \`--role all\`
node; all on PostgreSQL: p50 **${r.remoteInvoke.remoteP50Ms} ms** remote against ${r.remoteInvoke.localP50Ms} ms local
(+${r.remoteInvoke.addedP50Ms} ms), p99 ${r.remoteInvoke.remoteP99Ms} ms against ${r.remoteInvoke.localP99Ms} ms.

## Fleet and fairness
${r.fleet ? `PostgreSQL, one api node and worker processes (\`serve --role\`), apiCall to a local upstream: **${r.fleet.events1Worker} events/s** with one worker,
**${r.fleet.events2Workers}/s** with two (${r.fleet.ratio}×; worker CPU ${r.fleet.cpuSec1Worker} s vs ${r.fleet.cpuSec2Workers.join(' + ')} s per burst of ${r.fleet.burst}).
A worker killed with \`kill -9\` holding 10 deliveries: they run again on the other worker after **${r.fleet.reclaimMs} ms** (default timing:
3 missed heartbeats of 2 s, reap every 2 s).` : ''}
${r.fairness ? `One workspace floods ${r.fairness.flood} events while another calls a webhook every 50 ms: its p99 ${r.fairness.bP99AloneMs} ms alone,
${r.fairness.bP99FloodMs} ms during the flood (**${r.fairness.ratio}×**, target ≤ 2×); its events started at most ${r.fairness.bStartMaxMs} ms after being enqueued.` : ''}

## Customer recognition

Search with two apiCall sources (in-process requests): without cache p50 ${r.recognition.coldNoCache.p50Ms} ms /
p99 ${r.recognition.coldNoCache.p99Ms} ms; cached p50 ${r.recognition.cached.p50Ms} ms / p99 ${r.recognition.cached.p99Ms} ms.

## Memory

Idle server RSS ${r.idleRssMb} MB (target ≤ 150 MB; the Node.js server process, sandbox workers are separate
processes); after the load ${r.peakRssMb} MB. RSS per warm worker (median of the sandboxed interpreters):
${LANGUAGES.map((l) => `${l} ${r.rssPerWorkerMb[l] ?? '?'} MB`).join(', ')}.
${n8nNotes(r.n8n)}${profileNotes()}`;
}

/** The side-by-side n8n run (bench/compare/n8n.ts), when n8n is installed on this machine. */
function n8nNotes(c: N8nComparison | undefined): string {
  if (!c) return '\n## n8n side by side\n\nNot run: n8n is not installed here (`npm install --prefix bench/compare/n8n`, see bench/compare/n8n.ts).\n';
  return `
## n8n side by side

n8n ${c.n8nVersion} (its defaults: SQLite, executions saved, the Code node in its task runner) answering a production
Webhook → Code node returning \`{ok, n}\`, against our webhook → Node.js handler doing the same, same load generator
and body, one after the other on this machine.

| | n8n | Outrigger | ratio |
|---|---|---|---|
| 1 connection, p50 / p99 | ${c.n8n.seq.p50Ms} / ${c.n8n.seq.p99Ms} ms | ${c.outrigger.seq.p50Ms} / ${c.outrigger.seq.p99Ms} ms | ${c.ratioP50}× faster (p50) |
| 16 connections, throughput | ${c.n8n.c16.rps}/s | ${c.outrigger.c16.rps}/s | ${c.ratioRps16}× |
| 16 connections, p50 / p99 | ${c.n8n.c16.p50Ms} / ${c.n8n.c16.p99Ms} ms | ${c.outrigger.c16.p50Ms} / ${c.outrigger.c16.p99Ms} ms | |
| server RSS after the load | ${c.n8n.rssMb} MB | | |
`;
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
