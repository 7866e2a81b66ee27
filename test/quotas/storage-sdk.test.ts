// Storage bombs through the SDK in real sandboxed executors: a list after filling storage with large values stays
// bounded (pages of at most N entries / B bytes), the write past the quota is an SDK error, and the server stays up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ECHO, invokeOk, LANGS, putCode, SANDBOXED, type Lang } from '../e2e/helpers.js';

const VALUE = 200 * 1024;
const LIMITS = { maxBytes: 24 * 1024 * 1024, maxKeys: 1000, valueMaxBytes: 256 * 1024, listMaxItems: 100, listMaxBytes: 1024 * 1024 };
const FILLED = 60;

// Lists the first page, then pages on with `after`, and finally writes past the quota.
const LISTERS: Record<Lang, string> = {
  python: `
def handler(input, ctx):
    first = ctx.storage.list("bomb:")
    seen, after, pages = 0, None, 0
    while True:
        page = ctx.storage.list("bomb:", after)
        if not page:
            break
        pages += 1
        seen += len(page)
        after = page[-1]["key"]
    try:
        ctx.storage.set("over", "x" * ${250 * 1024})
        err = None
    except Exception as e:
        err = e.code
    return {"first": len(first), "firstBytes": sum(len(o["value"]) for o in first), "seen": seen, "pages": pages, "err": err}
`,
  node: `
export default async function handler(input, ctx) {
  const first = await ctx.storage.list('bomb:');
  let seen = 0, after, pages = 0;
  for (;;) {
    const page = await ctx.storage.list('bomb:', after);
    if (page.length === 0) break;
    pages++; seen += page.length; after = page[page.length - 1].key;
  }
  let err = null;
  try { await ctx.storage.set('over', 'x'.repeat(${250 * 1024})); } catch (e) { err = e.code; }
  return { first: first.length, firstBytes: first.reduce((n, o) => n + o.value.length, 0), seen, pages, err };
}
`,
  php: `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    $first = $ctx->storage->list('bomb:');
    $seen = 0; $after = null; $pages = 0;
    for (;;) {
        $page = $ctx->storage->list('bomb:', $after);
        if (count($page) === 0) break;
        $pages++; $seen += count($page); $after = $page[count($page) - 1]['key'];
    }
    $err = null;
    try { $ctx->storage->set('over', str_repeat('x', ${250 * 1024})); }
    catch (Outrigger\\OutriggerException $e) { $err = $e->sdkCode; }
    $bytes = 0; foreach ($first as $o) $bytes += strlen($o['value']);
    return ['first' => count($first), 'firstBytes' => $bytes, 'seen' => $seen, 'pages' => $pages, 'err' => $err];
}
`,
};

for (const dialect of DIALECTS) {
  describe(`storage bombs through the SDK (${dialect})`, () => {
    let s: TestServer;
    let other: string;

    beforeAll(async () => {
      s = await startTestServer(dialect, { ...SANDBOXED, storageLimits: LIMITS });
      other = (await s.api('POST', '/api/workspaces', { name: 'bystander' })).body.adminToken as string;
      const r = await s.api('PUT', '/api/executors/echo', { name: 'echo', type: 'code', code: { language: 'python', source: ECHO.python, mode: 'handler', memoryMb: 64 } }, other);
      expect(r.status, r.raw).toBeLessThan(300);
      for (const l of LANGS) await putCode(s, `lister_${l}`, l, LISTERS[l], { memoryMb: 128, timeoutMs: 20_000 });
      // Fill storage to just below its quota with large values (24 MiB quota: 60 listed values of 200 KiB, then filler up to the quota).
      for (let i = 0; i < FILLED; i++) {
        const put = await s.api('PUT', `/api/storage/bomb:${String(i).padStart(3, '0')}`, { value: 'v'.repeat(VALUE) });
        expect(put.status, put.raw).toBe(200);
      }
      let full = false;
      for (let i = 0; i < 100 && !full; i++) {
        const put = await s.api('PUT', `/api/storage/filler:${i}`, { value: 'f'.repeat(VALUE) });
        full = put.status === 400 && put.body.code === 'LIMIT_EXCEEDED';
        if (!full) expect(put.status, put.raw).toBe(200);
      }
      expect(full).toBe(true);
    }, 120_000);
    afterAll(async () => s?.close());

    for (const lang of LANGS) {
      it(`${lang}: list returns bounded pages, paging with after sees everything, the write past the quota is LIMIT_EXCEEDED`, async () => {
        const r = await invokeOk(s, `lister_${lang}`);
        // 1 MiB per answer: five 200 KiB values (a sixth would pass the cap).
        expect(r.output.first).toBe(5);
        expect(r.output.firstBytes).toBeLessThanOrEqual(LIMITS.listMaxBytes);
        expect(r.output.seen).toBe(FILLED);
        expect(r.output.pages).toBe(FILLED / 5);
        expect(r.output.err).toBe('LIMIT_EXCEEDED');
        // The server is healthy and another workspace's executor answers.
        expect((await s.o.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
        const e = await s.api('POST', '/api/executors/echo/invoke', { input: { n: 1 } }, other);
        expect(e.body, e.raw).toMatchObject({ status: 'ok', output: { lang: 'python', echo: { n: 1 } } });
      }, 60_000);
    }
  });
}
