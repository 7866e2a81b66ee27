// Micro-benchmark of the code sandbox: warm p50/p99 per language via CodeRunner.run, cold start vs the bare interpreter.
// Run: npx tsx bench/sandbox-bench.ts [warmIterations] [coldIterations]   — prints JSON.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSandbox } from '../src/executors/sandbox/index.js';
import type { CodeLanguage, CodeRunRequest } from '../src/executors/sandbox/contract.js';
import { RUNTIMES } from '../src/executors/sandbox/runtimes/index.js';

const WARM = Number(process.argv[2] ?? 2000);
const COLD = Number(process.argv[3] ?? 30);

const TRIVIAL: Record<CodeLanguage, string> = {
  python: 'def handler(input, ctx):\n    return {"ok": True, "n": input.get("n")}\n',
  node: 'export default async function handler(input) { return { ok: true, n: input.n }; }\n',
  php: '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { return ["ok" => true, "n" => $input["n"] ?? null]; }\n',
};
const TRIVIAL_SCRIPT: Record<CodeLanguage, string> = {
  python: 'print("{}")\n',
  node: "console.log('{}');\n",
  php: '<?php echo "{}";\n',
};

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(3));
}

/** Wall time of a bare interpreter start with an empty environment (the baseline of the cold-start target). */
function bareStart(argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const c = spawn(argv[0]!, argv.slice(1), { env: { PATH: '/usr/bin:/bin' }, stdio: 'ignore' });
    c.on('exit', (code) => (code === 0 ? resolve(performance.now() - t) : reject(new Error(`${argv.join(' ')} exited ${code}`))));
    c.on('error', reject);
  });
}

const host = { handle: async () => null };
let seq = 0;
const SPARE_MB = 256;
function request(language: CodeLanguage, poolKey: string, source: string, mode: 'handler' | 'script' = 'handler', memoryMb = 128): CodeRunRequest {
  return {
    workspaceId: 'bench', poolKey, language, mode, source, input: { n: ++seq }, timeoutMs: 10_000, memoryMb, egress: [], host,
    execution: { id: `b${seq}`, trigger: 'test', attempt: 1, executorName: 'bench', version: 1, deadline: Date.now() + 10_000 },
  };
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-sbbench-'));
fs.chmodSync(dataDir, 0o711); // the sandbox uid must reach <dataDir>/deps
const sb = await createSandbox({ dataDir, limits: { maxInvocationsPerWorker: WARM + 100, sparesPerLanguage: 1, spareMemoryMb: SPARE_MB } });
const languages = Object.keys(sb.capabilities().interpreters) as CodeLanguage[];

/** Spares boot in the background after each use; wait until all are back (a bench may poll). */
async function sparesBack(): Promise<void> {
  for (let i = 0; i < 500 && sb.size() < languages.length; i++) await new Promise((r) => setTimeout(r, 5));
}
/** Script spares boot in the background after each use too. */
async function scriptSparesBack(): Promise<void> {
  for (let i = 0; i < 500 && sb.scriptSpares() < languages.length; i++) await new Promise((r) => setTimeout(r, 5));
  if (sb.scriptSpares() < languages.length) throw new Error('script spares did not come back');
}
const caps = sb.capabilities();
const result: Record<string, unknown> = {
  machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.release()}`,
  date: new Date().toISOString(),
  sandbox: { bwrap: caps.bwrap?.version, cgroup: caps.cgroup?.version, seccomp: caps.seccomp, hostUid: caps.hostUid },
  warm: {} as Record<string, unknown>,
  cold: {} as Record<string, unknown>,
  coldRatio: {} as Record<string, number>,
};

await sparesBack();
for (const language of languages) {
  const interp = caps.interpreters[language]!;
  // Warm: one pool, sequential invocations of a trivial handler.
  const poolKey = `warm-${language}`;
  for (let i = 0; i < 100; i++) await sb.run(request(language, poolKey, TRIVIAL[language]));
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < WARM; i++) {
    const t = performance.now();
    const r = await sb.run(request(language, poolKey, TRIVIAL[language]));
    lat.push(performance.now() - t);
    if (r.status !== 'ok' || r.coldStart) throw new Error(`warm run failed: ${JSON.stringify(r)}`);
  }
  const rps = Math.round(WARM / ((performance.now() - t0) / 1000));
  (result.warm as Record<string, unknown>)[language] = { p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), rps };
  await sb.evict(poolKey);

  // Cold: a new pool each time, alternating with the bare start. "fresh": sandbox + interpreter + bootstrap + first
  // invocation; "spare": the first invocation on a pre-started spare (default configuration when memoryMb fits).
  // Script mode: "fresh" starts bwrap + interpreter for the run (memory 128 MB: no spare fits); "spare": the run
  // takes a ready script spare (memory = spareMemoryMb, no deps, no egress), the spare ready before each run.
  const cold: number[] = [];
  const spare: number[] = [];
  const script: number[] = [];
  const scriptSpare: number[] = [];
  const bare: number[] = [];
  const bareArgv = RUNTIMES[language].bareArgv(interp);
  for (let i = 0; i < COLD; i++) {
    bare.push(await bareStart(bareArgv));
    const key = `cold-${language}-${i}`;
    let t = performance.now();
    const r = await sb.run(request(language, key, TRIVIAL[language]));
    cold.push(performance.now() - t);
    if (r.status !== 'ok' || !r.coldStart) throw new Error(`cold run failed: ${JSON.stringify(r)}`);
    await sb.evict(key);
    await sparesBack();
    t = performance.now();
    const sp = await sb.run(request(language, `${key}-spare`, TRIVIAL[language], 'handler', SPARE_MB));
    spare.push(performance.now() - t);
    if (sp.status !== 'ok' || !sp.coldStart) throw new Error(`spare run failed: ${JSON.stringify(sp)}`);
    await sb.evict(`${key}-spare`);
    await sparesBack();
    t = performance.now();
    const s = await sb.run(request(language, key, TRIVIAL_SCRIPT[language], 'script'));
    script.push(performance.now() - t);
    if (s.status !== 'ok') throw new Error(`script run failed: ${JSON.stringify(s)}`);
    await scriptSparesBack();
    t = performance.now();
    const ss = await sb.run(request(language, key, TRIVIAL_SCRIPT[language], 'script', SPARE_MB));
    scriptSpare.push(performance.now() - t);
    if (ss.status !== 'ok') throw new Error(`script spare run failed: ${JSON.stringify(ss)}`);
  }
  (result.cold as Record<string, unknown>)[language] = {
    bareP50Ms: pct(bare, 50), spareColdP50Ms: pct(spare, 50), freshColdP50Ms: pct(cold, 50), scriptP50Ms: pct(script, 50),
    scriptSpareP50Ms: pct(scriptSpare, 50), scriptFreshRatio: Number((pct(script, 50) / pct(bare, 50)).toFixed(2)),
    scriptSpareRatio: Number((pct(scriptSpare, 50) / pct(bare, 50)).toFixed(2)),
    freshRatio: Number((pct(cold, 50) / pct(bare, 50)).toFixed(2)), bareArgv: bareArgv.join(' '),
  };
  (result.coldRatio as Record<string, number>)[language] = Number((pct(spare, 50) / pct(bare, 50)).toFixed(2));
}

await sb.close();
fs.rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify(result, null, 2));
