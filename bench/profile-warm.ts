// Where the warm invoke path spends its time: runs `outrigger serve` under `node --cpu-prof`, drives webhook calls
// and invokes at 16 connections, and prints each part's share of the server's CPU time (self time by source file).
// Shares, not rates, so it can run on a loaded machine. Run: npx tsx bench/profile-warm.ts [node|python|php] [requests]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, load, startServer } from './lib.js';
import { TRIVIAL_HANDLERS, type Language } from './code.bench.js';

const language = (process.argv[2] ?? 'node') as Language;
const total = Number(process.argv[3] ?? 6000);

/** Parts of the invoke path, matched in this order against a frame's script URL (or function name for natives). */
const PARTS: Array<[string, RegExp]> = [
  ['auth', /\/src\/auth\/|\/dist\/auth\//],
  ['input/output validation (ajv, schemas)', /ajv|json-schema|fast-uri|re2js|\/evaluation-limits/],
  ['body checks (safe-json)', /safe-json/],
  ['pool checkout', /sandbox\/pool\./],
  ['channel encode/decode', /sandbox\/channel/],
  ['worker + cgroups', /sandbox\/(worker|cgroups|supervisor|classify)\./],
  ['execution record (kysely, better-sqlite3)', /kysely|better-sqlite3|executions\.repository|\/store\//],
  ['redaction', /executors\/redact\./],
  ['logging (pino)', /pino|sonic-boom|thread-stream/],
  ['metrics', /prom-client|observability\//],
  ['invoke pipeline (other)', /executors\/|points\//],
  ['HTTP + routing (fastify, node:http)', /fastify|find-my-way|avvio|light-my-request|node:_http|node:http|node:net|node:stream|node:internal\/streams|node:internal\/http|node:events|undici/],
];

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number }

function partOf(frame: ProfileNode['callFrame']): string {
  const where = frame.url || frame.functionName;
  if (frame.functionName === '(garbage collector)') return 'GC';
  if (frame.functionName === '(idle)') return 'idle';
  if (frame.functionName === '(program)') return 'native (program)';
  for (const [name, re] of PARTS) if (re.test(where)) return name;
  if (/^node:/.test(frame.url)) return 'node internals (other)';
  return frame.url ? 'other JS' : `native: ${frame.functionName || '(anonymous)'}`;
}

/**
 * Self time per part and the top self-time functions, counting only samples between `from` and `to` (monotonic
 * microseconds: V8's profile clock and process.hrtime are both CLOCK_MONOTONIC). A native frame (a syscall, a write)
 * or a Node.js internal counts for the part of the nearest frame of ours or of a package that called it.
 */
function summarise(p: Profile, from: number, to: number): { shares: Array<[string, number]>; top: Array<[string, number]>; busyMs: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t >= from && t <= to) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const parts = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    let owner = n;
    if ((!n.callFrame.url && !n.callFrame.functionName.startsWith('(')) || n.callFrame.url.startsWith('node:')) {
      for (let up = parent.get(n.id); up !== undefined; up = parent.get(up)) {
        const f = byId.get(up)!;
        if (f.callFrame.url && !f.callFrame.url.startsWith('node:')) {
          owner = f;
          break;
        }
      }
    }
    const part = partOf(owner.callFrame);
    if (part === 'idle') continue;
    busy += us;
    parts.set(part, (parts.get(part) ?? 0) + us);
    const via = owner === n ? '' : ` <- ${owner.callFrame.functionName || '(anonymous)'}`;
    const fn = `${n.callFrame.functionName || '(anonymous)'}${via} ${owner.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/')}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  }
  const pct = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).filter(([, v]) => v / busy >= 0.001).map(([k, v]) => [k, Math.round((1000 * v) / busy) / 10] as [string, number]);
  return { shares: pct(parts), top: pct(fns).slice(0, 40), busyMs: busy / 1000 };
}

const profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-prof-'));
const server = await startServer({ OUTRIGGER_SANDBOX: 'required' }, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
const name = `prof_${language}`;
await api(server, 'PUT', `/api/executors/${name}`, { name, type: 'code', code: { language, source: TRIVIAL_HANDLERS[language] } });
await api(server, 'PUT', `/api/webhooks/${name}`, { executor: name });
const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
const invoke = { method: 'POST' as const, path: `/api/executors/${name}/invoke`, headers, body: '{"input":{"n":1}}' };
const webhook = { method: 'POST' as const, path: `/api/webhooks/${name}/call`, headers, body: '{"input":{"n":1}}' };
await load(server.url, invoke, 300, 16);
await load(server.url, webhook, 300, 16);
const from = Number(process.hrtime.bigint() / 1000n);
const results = { invoke: await load(server.url, invoke, total, 16), webhook: await load(server.url, webhook, total, 16) };
const to = Number(process.hrtime.bigint() / 1000n);
const pid = server.pid;
await server.stop();
const file = fs.readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
const summary = summarise(JSON.parse(fs.readFileSync(path.join(profDir, file), 'utf8')) as Profile, from, to);
const invocations = results.invoke.count + results.webhook.count;
console.log(JSON.stringify({ language, pid, requests: results, profile: path.join(profDir, file), cpuMsPerInvocation: Math.round((1000 * summary.busyMs) / invocations) / 1000, ...summary }, null, 2));
