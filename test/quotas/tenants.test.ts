// Tenants against each other through the real API on both stores: one workspace saturating warm workers, and
// dependency builds that fail, are retried by a new save or a rebuild, and say so in their status.
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { codeBody, ECHO, SANDBOXED } from '../e2e/helpers.js';
import { tempDir } from '../sandbox/helpers.js';

const SLOW = 'import time\ndef handler(input, ctx):\n    time.sleep(input["s"])\n    return "slept"\n';
const MAX = 6;

let registry: http.Server;
let port = 0;
let serveWheel = false;
let wheel: Buffer;
let work: string;

beforeAll(async () => {
  work = tempDir('outrigger-tenants-');
  const whl = path.join(work, 'retrypkg-1.0.0-py3-none-any.whl');
  execFileSync('python3', ['-c', `
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("retrypkg/__init__.py", "VALUE = 7\\n")
    z.writestr("retrypkg-1.0.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: retrypkg\\nVersion: 1.0.0\\n")
    z.writestr("retrypkg-1.0.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr("retrypkg-1.0.0.dist-info/RECORD", "")
`, whl]);
  wheel = fs.readFileSync(whl);
  // A mirror that does not have the package yet (the first build fails), until the test publishes it.
  registry = http.createServer((q, s) => {
    if (serveWheel && q.url === '/simple/retrypkg/') {
      const sha = crypto.createHash('sha256').update(wheel).digest('hex');
      s.setHeader('content-type', 'text/html');
      return s.end(`<a href="/files/retrypkg-1.0.0-py3-none-any.whl#sha256=${sha}">retrypkg-1.0.0-py3-none-any.whl</a>`);
    }
    if (serveWheel && q.url === '/files/retrypkg-1.0.0-py3-none-any.whl') return s.end(wheel);
    s.statusCode = 404;
    return s.end('not found');
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  port = (registry.address() as net.AddressInfo).port;
  process.env.PIP_INDEX_URL = `http://localhost:${port}/simple/`;
  process.env.PIP_TRUSTED_HOST = 'localhost';
  process.env.PIP_RETRIES = '0';
});
afterAll(async () => {
  registry.close();
  fs.rmSync(work, { recursive: true, force: true });
});

for (const dialect of DIALECTS) {
  describe(`tenants against each other (${dialect})`, () => {
    let s: TestServer;
    let b: string;

    beforeAll(async () => {
      serveWheel = false;
      s = await startTestServer(dialect, { ...SANDBOXED, sandboxLimits: { maxWorkers: MAX, maxWorkersPerPool: 2, reservedWorkers: 1 } });
      b = (await s.api('POST', '/api/workspaces', { name: 'tenant-b' })).body.adminToken as string;
      expect((await s.api('PUT', '/api/executors/echo', codeBody('echo', 'python', ECHO.python), b)).status).toBeLessThan(300);
    }, 60_000);
    afterAll(async () => s?.close());

    async function healthyAndBAnswers(): Promise<void> {
      expect((await s.o.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const r = await s.api('POST', '/api/executors/echo/invoke', { input: { n: 1 } }, b);
      expect(r.body, r.raw).toMatchObject({ status: 'ok', output: { lang: 'python', echo: { n: 1 } } });
    }

    it('workspace A saturates warm workers with slow invocations of many executors; B still answers promptly', async () => {
      for (let i = 0; i < 8; i++) {
        const r = await s.api('PUT', `/api/executors/slow${i}`, codeBody(`slow${i}`, 'python', SLOW, { timeoutMs: 15_000 }));
        expect(r.status, r.raw).toBeLessThan(300);
      }
      const aRuns = Array.from({ length: 8 }, (_, i) => s.api('POST', `/api/executors/slow${i}/invoke`, { input: { s: 3 } }));
      let aFinished = 0;
      for (const a of aRuns) void a.finally(() => aFinished++);
      const sandbox = s.o.code.sandbox!;
      await waitFor(() => Object.values(sandbox.workersByWorkspace()).some((n) => n === MAX - 1), 'A holding five workers', 20_000);
      const t0 = Date.now();
      await healthyAndBAnswers();
      const bMs = Date.now() - t0;
      // B answered from the reserved worker: none of A's 3 s invocations had to end first.
      expect(aFinished).toBe(0);
      console.info(`[${dialect}] worker share under contention: ${JSON.stringify(sandbox.workersByWorkspace())} of ${MAX}; B's health + cold invocation took ${bMs} ms`);
      const done = await Promise.all(aRuns);
      expect(done.map((r) => r.body.status)).toEqual(Array(8).fill('ok'));
      await healthyAndBAnswers();
    }, 90_000);

    it('a failed dependency build says how to retry; a new save builds again; the rebuild endpoint too', async () => {
      const def = codeBody('withdeps', 'python', 'import retrypkg\ndef handler(i, c):\n    return retrypkg.VALUE\n', { dependencies: 'retrypkg==1.0.0\n' });
      expect((await s.api('PUT', '/api/executors/withdeps', def)).status).toBeLessThan(300);
      const failed = await waitFor(async () => {
        const r = await s.api('GET', '/api/executors/withdeps/dependencies');
        return r.body.status === 'failed' ? r.body : null;
      }, 'the first build to fail', 60_000);
      expect(failed.retry).toMatch(/save the executor again or POST \/api\/executors\/withdeps\/dependencies\/rebuild/);
      expect(failed.installScripts).toBe(false);
      const inv = await s.api('POST', '/api/executors/withdeps/invoke', { input: {} });
      expect(inv.body.error.code).toBe('DEPENDENCIES_NOT_READY');
      // Still failed when asked again: nothing retries by itself.
      expect((await s.api('GET', '/api/executors/withdeps/dependencies')).body.status).toBe('failed');
      // The mirror now has it; a new save (same dependencies, another description) builds again.
      serveWheel = true;
      expect((await s.api('PUT', '/api/executors/withdeps', { ...def, description: 'saved again' })).status).toBeLessThan(300);
      await waitFor(async () => (await s.api('GET', '/api/executors/withdeps/dependencies')).body.status === 'ready', 'the rebuilt dependencies', 60_000);
      expect((await s.api('POST', '/api/executors/withdeps/invoke', { input: {} })).body).toMatchObject({ status: 'ok', output: 7 });

      // The rebuild endpoint: an executor opting into install scripts has its own build (its own cache key).
      serveWheel = false;
      const scripted = { ...def, name: 'scripted', code: { ...(def.code as object), allowInstallScripts: true } };
      expect((await s.api('PUT', '/api/executors/scripted', scripted)).status).toBeLessThan(300);
      expect((await s.api('GET', '/api/executors/scripted')).body.definition.code.allowInstallScripts).toBe(true);
      const f2 = await waitFor(async () => {
        const r = await s.api('GET', '/api/executors/scripted/dependencies');
        return r.body.status === 'failed' ? r.body : null;
      }, 'the scripted build to fail', 60_000);
      expect(f2.installScripts).toBe(true);
      serveWheel = true;
      const rb = await s.api('POST', '/api/executors/scripted/dependencies/rebuild');
      expect(rb.status).toBe(202);
      expect(['pending', 'building']).toContain(rb.body.status);
      await waitFor(async () => (await s.api('GET', '/api/executors/scripted/dependencies')).body.status === 'ready', 'the rebuild', 60_000);
      await healthyAndBAnswers();
    }, 180_000);
  });
}
