// The error catalogue: equal to docs/errors.md, the only place codes are defined, and every framework-level refusal as problem+json.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVOCATION_ERRORS, PROBLEMS, RESULT_ERRORS } from '../../src/errors.js';
import { DIALECTS } from '../helpers/dialects.js';
import { listen, type HttpClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const root = path.resolve(import.meta.dirname, '../..');

/** The rows of the table under a `## heading` of docs/errors.md, as [code, status, meaning]. */
function docTable(heading: string): Array<[string, number | null, string]> {
  const doc = fs.readFileSync(path.join(root, 'docs/errors.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) throw new Error(`docs/errors.md has no section ${heading}`);
  return [...section.matchAll(/^\| `([A-Z_]+)` \| (\d+|—) \| (.+) \|$/gm)].map((m) => [m[1]!, m[2] === '—' ? null : Number(m[2]), m[3]!]);
}

const asRows = (o: Record<string, { status: number | null; title: string }>) => Object.entries(o).map(([code, v]) => [code, v.status, v.title]);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('error catalogue', () => {
  it('docs/errors.md lists exactly the catalogue, with the same status and meaning', () => {
    expect(docTable('Problems')).toEqual(asRows(PROBLEMS));
    expect(docTable('Invocation errors')).toEqual(asRows(INVOCATION_ERRORS));
    expect(docTable('Codes inside results')).toEqual(asRows(RESULT_ERRORS));
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toContain('docs/errors.md');
  });

  it('every code the source raises or reports is in the catalogue', () => {
    const known = new Set([...Object.keys(PROBLEMS), ...Object.keys(INVOCATION_ERRORS), ...Object.keys(RESULT_ERRORS)]);
    const used = new Map<string, string>();
    for (const file of sourceFiles(path.join(root, 'src'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:ProblemError|InvocationError|SdkCallError)\('([A-Z][A-Z_]+)'|\bcode: '([A-Z][A-Z_]+)'/g)) used.set(m[1] ?? m[2]!, path.relative(root, file));
    }
    expect(used.size).toBeGreaterThan(20);
    const unknown = [...used].filter(([code]) => !known.has(code));
    expect(unknown).toEqual([]);
  });
});

for (const dialect of DIALECTS) {
  describe(`framework-level refusals are problem+json on ${dialect}`, () => {
    let s: TestServer;
    let http: HttpClient;
    beforeAll(async () => {
      s = await startTestServer(dialect);
      http = await listen(s, 10);
    });
    afterAll(async () => {
      await http.close();
      await s.close();
    });

    const isProblem = (r: { status: number; body: any; headers: Record<string, unknown> }, status: number, code: string) => {
      expect(r.status).toBe(status);
      expect(String(r.headers['content-type'])).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ status, code, title: (PROBLEMS as Record<string, { title: string }>)[code]!.title });
      expect(typeof r.body.detail).toBe('string');
    };

    it('an unsupported method on a known path is 405 with Allow; an unknown path stays 404', async () => {
      const r = await http.call('PATCH', '/api/executors/some_name');
      isProblem(r, 405, 'METHOD_NOT_ALLOWED');
      expect(r.headers.allow).toBe('DELETE, GET, HEAD, PUT');
      const list = await http.call('DELETE', '/api/executors');
      isProblem(list, 405, 'METHOD_NOT_ALLOWED');
      expect(list.headers.allow).toBe('GET, HEAD, POST');
      const nested = await http.call('GET', '/api/executors/x/rollback');
      expect(nested.headers.allow).toBe('POST');
      isProblem(await http.call('GET', '/api/nothing-here'), 404, 'NOT_FOUND');
      isProblem(await http.call('GET', '/api/executors/x/versions/1/deeper'), 404, 'NOT_FOUND');
    });

    it('bad content type, bad JSON, empty JSON and a too-large body', async () => {
      isProblem(await http.call('POST', '/api/executors', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      isProblem(await http.call('POST', '/api/executors', '{"name":'), 400, 'MALFORMED_JSON');
      isProblem(await http.call('POST', '/api/executors', '', { 'content-type': 'application/json' }), 400, 'MALFORMED_JSON');
      const big = JSON.stringify({ name: 'x', pad: 'a'.repeat(9 * 1024 * 1024) });
      isProblem(await http.call('POST', '/api/executors', big), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('headers over the parser limit are 431 problem+json, and the server stays healthy', async () => {
      const port = new URL(http.url).port;
      const raw = await new Promise<string>((resolve, reject) => {
        const sock = net.connect(Number(port), '127.0.0.1', () => {
          sock.write(`GET /api/executors HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
        });
        let got = '';
        sock.on('data', (d) => (got += d.toString()));
        sock.on('close', () => resolve(got));
        sock.on('error', reject);
      });
      const [head, body] = raw.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 431 /);
      expect(head).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(body!)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
      expect((await http.call('GET', '/healthz')).status).toBe(200);
      expect((await http.call('GET', '/api/executors')).status).toBe(200);
    });
  });
}
