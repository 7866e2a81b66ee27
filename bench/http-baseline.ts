// The HTTP limit of this machine in the same run: a bare node:http JSON echo in its own process, driven like ours.
import { spawn } from 'node:child_process';
import { load, type LoadResult } from './lib.js';

/** The echo server: reads the body, parses it, answers it back as JSON (what a do-nothing JSON API costs). */
const ECHO = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const out = JSON.stringify({ echo: JSON.parse(body || 'null') });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`;

/** Throughput and latency of the bare echo at `connections` connections (POST with the bench's small JSON body). */
export async function benchHttpBaseline(total: number, connections: number): Promise<LoadResult> {
  const child = spawn(process.execPath, ['-e', ECHO], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const m = /port (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`echo server exited ${code}`)));
    });
    const req = { method: 'POST' as const, path: '/', headers: { 'content-type': 'application/json' }, body: '{"input":{"n":1}}' };
    await load(`http://127.0.0.1:${port}`, req, Math.min(1000, total), connections);
    return await load(`http://127.0.0.1:${port}`, req, total, connections);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
