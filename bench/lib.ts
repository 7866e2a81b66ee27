// Benchmark helpers: percentiles, a closed-loop HTTP load generator, a child-process server, RSS readings.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export interface LoadResult {
  count: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/** Sends `total` requests over `connections` keep-alive connections, each waiting for its answer (closed loop). */
export async function load(origin: string, req: { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string }, total: number, connections: number, check?: (body: string) => boolean): Promise<LoadResult> {
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const lat: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < total) {
      next++;
      const s = performance.now();
      const res = await pool.request({ method: req.method, path: req.path, headers: req.headers, body: req.body });
      const text = await res.body.text();
      lat.push(performance.now() - s);
      if (res.statusCode !== 200 || (check && !check(text))) errors++;
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  await pool.close();
  lat.sort((a, b) => a - b);
  return { count: lat.length, errors, rps: round(lat.length / elapsed, 0), p50Ms: round(percentile(lat, 50), 3), p99Ms: round(percentile(lat, 99), 3) };
}

export interface BenchServer {
  url: string;
  token: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `outrigger serve` (the built CLI) as a child process on a fresh data dir. */
export async function startServer(extraEnv: Record<string, string> = {}, nodeArgs: string[] = []): Promise<BenchServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-bench-'));
  // Sandboxes run as nobody and need to traverse the data dir to reach the dependency cache.
  fs.chmodSync(dir, 0o711);
  const token = 'otr_bench_token_0123456789abcdefghij';
  const child = spawn(process.execPath, [...nodeArgs, path.resolve('bin/outrigger.js'), 'serve', '--port', '0', '--data-dir', dir], {
    env: { PATH: process.env.PATH, OUTRIGGER_ADMIN_TOKEN: token, OUTRIGGER_EGRESS_ALLOW_CIDRS: '127.0.0.1/32', LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Outrigger (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return {
    url, token, pid: child.pid!, child,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return round(kb / 1024, 1);
}

export async function api(server: BenchServer, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(server.url + p, { method, headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${p} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Descendant processes of a pid (Linux /proc): pid and command name. */
export function descendants(root: number): Array<{ pid: number; comm: string }> {
  const children = new Map<number, Array<{ pid: number; comm: string }>>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push({ pid: Number(entry), comm });
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: Array<{ pid: number; comm: string }> = [];
  const todo = [root];
  while (todo.length) {
    for (const c of children.get(todo.pop()!) ?? []) {
      out.push(c);
      todo.push(c.pid);
    }
  }
  return out;
}

/** Median RSS (MB) of the server's sandboxed interpreters per language (warm workers and spares alike). */
export function rssPerWorker(serverPid: number): Record<string, number> {
  const byLanguage: Record<string, number[]> = {};
  for (const { pid, comm } of descendants(serverPid)) {
    const language = comm.startsWith('python') ? 'python' : comm === 'node' ? 'node' : comm.startsWith('php') ? 'php' : null;
    if (!language) continue;
    try {
      (byLanguage[language] ??= []).push(rssMb(pid));
    } catch {
      // exited meanwhile
    }
  }
  return Object.fromEntries(Object.entries(byLanguage).map(([l, xs]) => [l, xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!]));
}
