// Smoke test of the test harness itself: a real server starts on each dialect, answers /healthz and knows its admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/dialects.js';
import { startTestServer, type TestServer } from './helpers/server.js';

for (const dialect of DIALECTS) {
  describe(`server on ${dialect}`, () => {
    let s: TestServer;
    beforeAll(async () => { s = await startTestServer(dialect); });
    afterAll(async () => { await s.close(); });

    it('answers /healthz without a token and /api/me with one', async () => {
      const h = await s.o.app.inject({ method: 'GET', url: '/healthz' });
      expect(h.statusCode).toBe(200);
      const me = await s.api('GET', '/api/me');
      expect(me.status).toBe(200);
      expect(me.body.role).toBe('admin');
      expect(me.body.workspace.name).toBe('default');
    });

    it('refuses /api/me without a token as problem+json', async () => {
      const r = await s.o.app.inject({ method: 'GET', url: '/api/me' });
      expect(r.statusCode).toBe(401);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(r.body).code).toBe('UNAUTHENTICATED');
    });
  });
}

describe('configuration', () => {
  it('reads sandbox limits from the environment and refuses bad values with the variable name', async () => {
    const { loadConfig, ConfigError } = await import('../src/config.js');
    const c = loadConfig({ OUTRIGGER_SANDBOX_TMP_MB: '32', OUTRIGGER_SANDBOX_PIDS: '100', OUTRIGGER_SANDBOX: 'off' });
    expect(c.sandboxLimits).toEqual({ tmpBytes: 32 * 1024 * 1024, pids: 100 });
    expect(c.sandbox).toBe('off');
    expect(() => loadConfig({ OUTRIGGER_SANDBOX_PIDS: 'many' })).toThrow(/OUTRIGGER_SANDBOX_PIDS/);
    expect(() => loadConfig({ OUTRIGGER_SANDBOX: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '99999' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });
});
