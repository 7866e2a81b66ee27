// The process guard: an exception or rejection that escaped every handler is logged and counted, and the process
// keeps serving (proved in a child process, where nothing else catches it).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const GUARD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/observability/process-guard.js');

it('a thrown error and a rejected promise are counted and the process lives on', async () => {
  const program = `
    import { installProcessGuard, escapedErrors } from ${JSON.stringify(GUARD)};
    import http from 'node:http';
    const seen = [];
    installProcessGuard((kind, err) => seen.push(kind + ':' + err.message));
    setTimeout(() => { throw new Error('escaped from a timer'); }, 1);
    setTimeout(() => { void Promise.reject(new Error('nobody awaited this')); }, 2);
    setTimeout(() => {
      // Still serving after both: answer one request, then report.
      const srv = http.createServer((q, s) => s.end('alive')).listen(0, '127.0.0.1', async () => {
        const r = await fetch('http://127.0.0.1:' + srv.address().port + '/');
        console.log(JSON.stringify({ body: await r.text(), counts: escapedErrors(), seen }));
        srv.close();
      });
    }, 50);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  expect(code).toBe(0);
  const report = JSON.parse(out.trim());
  expect(report.body).toBe('alive');
  expect(report.counts).toEqual({ exception: 1, rejection: 1 });
  expect(report.seen).toEqual(['exception:escaped from a timer', 'rejection:nobody awaited this']);
});
