// A node whose master key differs from the one the database's secrets use refuses to start with a clear message,
// instead of starting and failing (dead-lettering) everything that needs a secret.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createOutrigger, type Outrigger } from '../../src/server.js';
import { DIALECTS, freshSchema, dropSchema, TEST_DATABASE_URL } from '../helpers/dialects.js';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/outrigger.js');

for (const dialect of DIALECTS) {
  describe(`master key check (${dialect})`, () => {
    const dirs: string[] = [];
    const open: Outrigger[] = [];
    const schema = dialect === 'postgres' ? freshSchema() : undefined;

    afterEach(async () => {
      for (const o of open.splice(0)) await o.close();
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
      if (schema) {
        await dropSchema(schema);
      }
    });

    function newDir(): string {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-key-'));
      dirs.push(d);
      return d;
    }

    /** A node on the suite's database: SQLite shares the data dir, PostgreSQL the schema (each node its own dir). */
    async function start(dataDir: string, masterKey: string | undefined): Promise<Outrigger> {
      const config = loadConfig({}, {
        dataDir, databaseUrl: dialect === 'postgres' ? TEST_DATABASE_URL : undefined, masterKey, logLevel: 'warn', sandbox: 'off', sandboxSpares: 0,
      });
      const o = await createOutrigger(config, { logger: false, pgSchema: schema });
      open.push(o);
      return o;
    }

    async function stop(o: Outrigger): Promise<void> {
      open.splice(open.indexOf(o), 1);
      await o.close();
    }

    it('stores the check at first start, accepts the same key, refuses another one naming both fingerprints', async () => {
      const dir = newDir();
      const first = await start(dir, KEY_A);
      await first.secrets.put(first.defaultWorkspaceId, 'API_KEY', 'sk-123');
      await stop(first);

      const again = await start(dialect === 'postgres' ? newDir() : dir, KEY_A);
      expect(await again.secrets.undecryptableSample()).toBeNull();
      await stop(again);

      const other = start(dialect === 'postgres' ? newDir() : dir, KEY_B);
      await expect(other).rejects.toThrow(/master key of this node \(OUTRIGGER_MASTER_KEY, fingerprint [0-9a-f]{12}\) is not the one .* \(fingerprint [0-9a-f]{12}\): every node on one database needs the same OUTRIGGER_MASTER_KEY/);
      // The refusal left nothing running, and the right key still starts.
      const back = await start(dir, KEY_A);
      expect((await back.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });

    it('a database from before the check: takes the key only if it decrypts a stored secret', async () => {
      const dir = newDir();
      const first = await start(dir, KEY_A);
      await first.secrets.put(first.defaultWorkspaceId, 'API_KEY', 'sk-123');
      await first.store.db.deleteFrom('store_meta').execute();
      await stop(first);

      await expect(start(dialect === 'postgres' ? newDir() : dir, KEY_B)).rejects.toThrow(/does not decrypt the stored secret "API_KEY"/);
      const right = await start(dir, KEY_A);
      const row = await right.store.db.selectFrom('store_meta').select('value').where('key', '=', 'master_key_check').executeTakeFirst();
      expect(row?.value).toMatch(/^[0-9a-f]{64}$/);
      expect(row?.value).not.toContain('a'.repeat(16));
    });

    it('`outrigger serve` with another OUTRIGGER_MASTER_KEY exits at once with the message, and the store is untouched', async () => {
      const dir = newDir();
      const first = await start(dir, KEY_A);
      await first.secrets.put(first.defaultWorkspaceId, 'API_KEY', 'sk-123');
      await stop(first);
      // PostgreSQL: the process sees the suite's schema through search_path (the test's own schema, already migrated).
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/bin:/bin', OUTRIGGER_MASTER_KEY: KEY_B, OUTRIGGER_SANDBOX: 'off', LOG_LEVEL: 'warn',
        ...(dialect === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL, PGOPTIONS: `-c search_path=${schema}` } : {}),
      };
      const r = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dialect === 'postgres' ? newDir() : dir], { env, encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^outrigger: the master key of this node \(OUTRIGGER_MASTER_KEY, fingerprint [0-9a-f]{12}\) is not the one this database's secrets are encrypted with/m);
      expect(r.stdout).not.toContain('Outrigger http');
      const back = await start(dir, KEY_A);
      expect(await back.secrets.undecryptableSample()).toBeNull();
    });

    if (dialect === 'postgres') {
      it('two nodes with their own key files on one database: the second refuses and says to share OUTRIGGER_MASTER_KEY', async () => {
        await start(newDir(), undefined);
        await expect(start(newDir(), undefined)).rejects.toThrow(/uses its own key file .*master\.key.*set OUTRIGGER_MASTER_KEY on all of them/);
      });
    }
  });
}
