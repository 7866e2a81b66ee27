// The server serves the built console at `/` (SPA fallback) without taking over its own paths; unbuilt, a how-to page.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

function fakeBuild(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-console-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console shell</title><div id="root"></div>');
  fs.writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), 'console.log("app")');
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

async function get(s: TestServer, url: string) {
  return s.o.app.inject({ method: 'GET', url });
}

describe('console served at / (built)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', {}, { consoleDir: fakeBuild() });
  });
  afterAll(() => s.close());

  it('answers the app shell at / and at every page path, without a token', async () => {
    for (const url of ['/', '/executors', '/executors/greet?tab=versions', '/secrets']) {
      const r = await get(s, url);
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type']).toMatch(/text\/html/);
      expect(r.body).toContain('console shell');
      expect(r.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets as immutable and other files of the build as they are', async () => {
    const a = await get(s, '/assets/app-abc123.js');
    expect(a.statusCode).toBe(200);
    expect(a.body).toContain('console.log');
    expect(a.headers['cache-control']).toContain('immutable');
    const f = await get(s, '/favicon.svg');
    expect(f.statusCode).toBe(200);
    expect(f.body).toContain('<svg');
  });

  it('a missing asset is a 404, not the app shell; traversal reaches nothing outside the build', async () => {
    expect((await get(s, '/assets/missing.js')).statusCode).toBe(404);
    const t = await get(s, '/assets/..%2f..%2f..%2fetc%2fpasswd');
    expect(t.body).not.toContain('root:');
    const t2 = await get(s, '/..%2f..%2fetc%2fpasswd');
    expect(t2.body).not.toContain('root:');
  });

  it('keeps the server paths: health, metrics, API docs; an unknown /api path is a JSON 404', async () => {
    expect((await get(s, '/healthz')).statusCode).toBe(200);
    expect((await s.api('GET', '/metrics')).raw).toContain('# HELP');
    expect((await get(s, '/api/openapi.json')).headers['content-type']).toMatch(/json/);
    for (const url of ['/api/nothing-here', '/api', '/mcp/x', '/demo/none']) {
      const r = await get(s, url);
      expect(r.statusCode, url).toBe(404);
      expect(r.headers['content-type'], url).toMatch(/json/);
      expect(r.body).not.toContain('console shell');
    }
    // The page fallback answers GET anywhere, yet a POST-only API path still says 405 and only names POST.
    const wrongMethod = await get(s, '/api/executors/x/rollback');
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expect((await s.o.app.inject({ method: 'PATCH', url: '/api/nothing-here' })).statusCode).toBe(404);
    const me = await s.api('GET', '/api/me');
    expect(me.status).toBe(200);
  });
});

describe('console not built', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', {}, { consoleDir: path.join(os.tmpdir(), 'outrigger-no-console-here') });
  });
  afterAll(() => s.close());

  it('the server starts and / says how to build the console; the API works', async () => {
    const r = await get(s, '/');
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('npm run build');
    expect((await get(s, '/executors')).body).toContain('npm run build');
    expect((await s.api('GET', '/api/executors')).status).toBe(200);
    expect((await get(s, '/api/unknown')).statusCode).toBe(404);
  });
});
