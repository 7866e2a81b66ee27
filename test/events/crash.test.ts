// Crash test: the real server as a child process on SQLite; 5,000 events; `kill -9` in the middle of
// delivery; restart on the same data directory; every event is delivered at least once, none is lost.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, json, type Upstream } from '../helpers/upstream.js';
import { waitFor } from './helpers.js';
import { requireBuiltDist } from '../setup/require-dist.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TOKEN = 'otr_crash_admin_token_0123456789abcdef';
const EVENTS = 5_000;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('kill -9 during delivery (SQLite, real server process)', () => {
  let dataDir: string;
  let up: Upstream;
  let child: ChildProcess | undefined;
  const counts = new Map<string, number>();

  beforeAll(() => {
    // It executes dist/ (bin/outrigger.js), built once before the suite.
    requireBuiltDist();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-crash-'));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await up?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function startServer(): Promise<{ url: string; proc: ChildProcess }> {
    const port = await freePort();
    const proc = spawn(process.execPath, [path.join(ROOT, 'bin/outrigger.js'), 'serve'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, OUTRIGGER_DATA_DIR: dataDir, PORT: String(port), OUTRIGGER_ADMIN_TOKEN: TOKEN, OUTRIGGER_EGRESS_ALLOW_CIDRS: '127.0.0.1/32', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child = proc;
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
      try {
        return (await fetch(`${url}/healthz`)).ok;
      } catch {
        return false;
      }
    }, 'server start', 20_000);
    return { url, proc };
  }

  async function call(url: string, method: string, p: string, body?: unknown) {
    const res = await fetch(url + p, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  it('delivers every event at least once across the crash', async () => {
    up = await startUpstream((req, res) => {
      const id = (JSON.parse(req.body) as { id: string }).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      json(res, 200, {});
    });
    const first = await startServer();
    expect((await call(first.url, 'POST', '/api/executors', { name: 'record', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/record` } })).status).toBe(201);
    expect((await call(first.url, 'POST', '/api/event-hooks', { name: 'record_all', eventTypes: ['custom.crash'], executor: 'record' })).status).toBe(201);

    const published: string[] = [];
    for (let i = 0; i < EVENTS; i += 500) {
      const r = await call(first.url, 'POST', '/api/events/batch', { events: Array.from({ length: 500 }, (_, j) => ({ type: 'custom.crash', data: { n: i + j } })) });
      expect(r.status).toBe(201);
      published.push(...r.body.items.map((e: { id: string }) => e.id));
    }
    // Crash in the middle of delivery: some delivered, some running, most still queued.
    await waitFor(() => counts.size >= 1_000, 'first deliveries', 30_000);
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    const deliveredBeforeCrash = counts.size;
    expect(deliveredBeforeCrash).toBeLessThan(EVENTS);

    const second = await startServer();
    await waitFor(() => counts.size >= EVENTS, `all ${EVENTS} events delivered (now ${counts.size})`, 40_000);
    const missing = published.filter((id) => !counts.has(id));
    expect(missing).toEqual([]);
    expect([...counts.keys()].every((id) => published.includes(id))).toBe(true);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    // At least once: only deliveries that were running at the crash may run twice.
    expect(duplicates).toBeLessThanOrEqual(200);
    console.log(JSON.stringify({ events: EVENTS, deliveredBeforeCrash, duplicates }));

    // The trace agrees: nothing pending, nothing dead.
    const dead = await call(second.url, 'GET', '/api/dead-letters');
    expect(dead.body.items).toEqual([]);
    second.proc.kill('SIGTERM');
    await new Promise((r) => second.proc.once('exit', r));
    expect(second.proc.exitCode).toBe(0);
  }, 90_000);
});
