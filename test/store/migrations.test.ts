// Migrations: applied once at start, idempotent on restart, safe when two processes open a fresh PostgreSQL schema at once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { freshSchema, TEST_DATABASE_URL } from '../helpers/dialects.js';

describe('migrations', () => {
  it('two stores opening one fresh PostgreSQL schema concurrently both succeed, with the schema applied once', async () => {
    const schema = freshSchema();
    const [a, b] = await Promise.all([
      openStore({ databaseUrl: TEST_DATABASE_URL, pgSchema: schema, pgPoolSize: 2 }),
      openStore({ databaseUrl: TEST_DATABASE_URL, pgSchema: schema, pgPoolSize: 2 }),
    ]);
    const rows = await a.db.selectFrom('kysely_migration' as never).selectAll().execute();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(new Set(rows.map((r: any) => r.name)).size).toBe(rows.length);
    await a.close();
    await b.close();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA "${schema}" CASCADE`);
    await client.end();
  });

  it('reopening a SQLite file keeps its data and applies nothing twice', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-mig-'));
    const file = path.join(dir, 'o.db');
    const first = await openStore({ sqlitePath: file });
    await first.db.insertInto('workspaces').values({ id: 'ws_1', name: 'w', time_zone: 'UTC', created_at: 1 }).execute();
    await first.close();
    const second = await openStore({ sqlitePath: file });
    expect(await second.db.selectFrom('workspaces').select('name').execute()).toEqual([{ name: 'w' }]);
    await second.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
