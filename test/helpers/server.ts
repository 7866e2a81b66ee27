// Starts a real Outrigger (real store, real HTTP stack through inject) for a test, with a known admin token.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import { createOutrigger, type CreateOptions, type Outrigger } from '../../src/server.js';
import { freshSchema, dropSchema, TEST_DATABASE_URL, type TestDialect } from './dialects.js';

export const ADMIN_TOKEN = 'otr_test_admin_token_0123456789abcdef';
const SHARED_SCHEMA_MASTER_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

export interface TestServer {
  o: Outrigger;
  dataDir: string;
  /** Calls the API with a token (the admin token by default) and parses the JSON answer. */
  api(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: any; headers: LightMyRequestResponse['headers']; raw: string }>;
  close(): Promise<void>;
}

export async function startTestServer(dialect: TestDialect, overrides: Partial<Config> = {}, opts: CreateOptions = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-test-'));
  // The sandbox runs as nobody: the dependency cache below the data dir must be traversable (not listable).
  fs.chmodSync(dataDir, 0o711);
  const schema = dialect === 'postgres' ? freshSchema() : undefined;
  const config = loadConfig({}, {
    dataDir,
    databaseUrl: dialect === 'postgres' ? TEST_DATABASE_URL : undefined,
    adminToken: ADMIN_TOKEN,
    egressAllowCidrs: ['127.0.0.1/32'],
    logLevel: 'warn',
    // Suites that run code ask for the sandbox (`sandbox: 'required'`); the rest do not pay for its start.
    sandbox: 'off',
    sandboxSpares: 0,
    // Servers given one schema form a fleet on one database, and a fleet shares its master key (checked at start).
    ...(opts.pgSchema ? { masterKey: SHARED_SCHEMA_MASTER_KEY } : {}),
    ...overrides,
  });
  const o = await createOutrigger(config, { logger: false, pgSchema: schema, ...opts });
  return {
    o,
    dataDir,
    async api(method, url, body, token = ADMIN_TOKEN) {
      const res = await o.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      let parsed: unknown = null;
      try {
        parsed = res.body ? JSON.parse(res.body) : null;
      } catch {
        parsed = res.body;
      }
      return { status: res.statusCode, body: parsed, headers: res.headers, raw: res.body };
    },
    async close() {
      await o.close();
      if (schema) {
        await dropSchema(schema);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
