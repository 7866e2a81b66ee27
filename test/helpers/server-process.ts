// Starts the real server as its own process (`node bin/outrigger.js serve`), so that a test can prove that the very
// same process is still serving after an attack (no exit, no restart), and can read its descriptors and memory.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/outrigger.js');

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Calls the API over real HTTP and parses the JSON answer. */
  api(method: string, url: string, body?: unknown, token?: string, timeoutMs?: number): Promise<{ status: number; body: any; ms: number }>;
  /** Open descriptors of the server process. */
  fdCount(): number;
  /** Resident memory of the server process in MB. */
  rssMb(): number;
  /** True while the process has not exited. */
  alive(): boolean;
  stop(): Promise<void>;
}

export async function startServerProcess(token: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-proc-'));
  fs.chmodSync(dataDir, 0o711);
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp',
      OUTRIGGER_ADMIN_TOKEN: token, OUTRIGGER_EGRESS_ALLOW_CIDRS: '127.0.0.1/32', OUTRIGGER_SANDBOX: 'required',
      OUTRIGGER_SANDBOX_SPARES: '0', LOG_LEVEL: 'warn', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Outrigger (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    child,
    async api(method, p, body, tok = token, timeoutMs = 30_000) {
      const started = performance.now();
      const res = await fetch(url + p, {
        method,
        headers: { authorization: `Bearer ${tok}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON (metrics)
      }
      return { status: res.status, body: parsed, ms: performance.now() - started };
    },
    fdCount: () => fs.readdirSync(`/proc/${pid}/fd`).length,
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    alive: () => !exited,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
