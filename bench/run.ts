// `npm run bench`: runs every benchmark against a real server child process and writes bench/RESULTS.md and bench/results.json.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { rssMb, round, startServer } from './lib.js';
import { benchApiCall } from './api-call.bench.js';

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.hostname()} · ${os.cpus().length} × ${cpu} · ${round(os.totalmem() / 2 ** 30, 1)} GiB · ${os.type()} ${os.release()} · Node ${process.version}`;
}

function commit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main() {
  const results: Record<string, unknown> = { machine: machine(), date: new Date().toISOString(), commit: commit() };
  const server = await startServer();
  await new Promise((r) => setTimeout(r, 1000));
  results.idleRssMb = rssMb(server.pid);
  const apiCall = await benchApiCall(server) as Record<string, { ratioP50: number; overheadP50Ms: number; viaOutrigger: { p50Ms: number; p99Ms: number; rps: number } }>;
  results.apiCallRatio = apiCall.upstream10ms!.ratioP50;
  results.apiCall = apiCall;
  results.peakRssMb = rssMb(server.pid);
  await server.stop();

  fs.writeFileSync('bench/results.json', JSON.stringify(results, null, 2) + '\n');
  const a0 = apiCall.upstream0ms!;
  const a10 = apiCall.upstream10ms!;
  const md = `# Benchmark results

Machine: ${results.machine}
Date: ${results.date} · commit ${results.commit}

Each figure is measured in the same run as its baseline. Closed-loop load over keep-alive connections
from a separate client in the same process as the benchmark driver; the server is \`outrigger serve\`
as a child process on SQLite.

| what | ours | baseline | ratio / target |
|---|---|---|---|
| apiCall via REST, upstream answering in 10 ms: p50 | ${a10.viaOutrigger.p50Ms} ms | direct undici call ${(a10 as any).direct.p50Ms} ms | ${a10.ratioP50}× (target ≤ 1.15×) |
| apiCall via REST, instant upstream: p50 / p99 | ${a0.viaOutrigger.p50Ms} / ${a0.viaOutrigger.p99Ms} ms | direct ${(a0 as any).direct.p50Ms} ms | +${a0.overheadP50Ms} ms overhead per call |
| apiCall via REST, instant upstream: throughput (8 connections) | ${a0.viaOutrigger.rps}/s | direct ${(a0 as any).direct.rps}/s | |
| idle server RSS | ${results.idleRssMb} MB | | target ≤ 150 MB |
| server RSS after the load | ${results.peakRssMb} MB | | |

The overhead of an apiCall invocation is an extra HTTP hop (client → Outrigger), token check, input
validation, the execution record written to the database, and redaction; with a realistic upstream
latency it disappears in the network time.
`;
  fs.writeFileSync('bench/RESULTS.md', md);
  process.stdout.write(md);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
