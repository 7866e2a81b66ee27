// Migration 007: webhook and UDF rows of a database migrated up to 006 move into point_bindings, unchanged for the API.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { CAPABILITIES } from '../../src/store/dialect.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { BindingsService } from '../../src/points/bindings/callable-bindings.service.js';
import type { InvokeService } from '../../src/executors/invoke.service.js';
import { DIALECTS, freshSchema, TEST_DATABASE_URL } from '../helpers/dialects.js';

/** The migrations before 007 only. */
function upTo006(provider: MigrationProvider): MigrationProvider {
  return { getMigrations: async () => Object.fromEntries(Object.entries(await provider.getMigrations()).filter(([name]) => name < '007')) };
}

/** Seeds a database migrated up to 006 with one webhook and two UDFs; returns how to open it with all migrations. */
async function seedAt006(dialect: (typeof DIALECTS)[number]): Promise<{ open(): Promise<Store>; cleanup(): Promise<void> }> {
  let db: Kysely<any>;
  let open: () => Promise<Store>;
  let cleanup: () => Promise<void>;
  let schema: string | undefined;
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-m007-'));
    const file = path.join(dir, 'o.db');
    db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file) }) });
    open = () => openStore({ sqlitePath: file });
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  } else {
    const s = freshSchema();
    schema = s;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${s}"`);
    await admin.end();
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1, options: `-c search_path=${s}` }) }) });
    open = () => openStore({ databaseUrl: TEST_DATABASE_URL, pgSchema: s, pgPoolSize: 2 });
    cleanup = async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA "${s}" CASCADE`);
      await c.end();
    };
  }
  const migrator = new Migrator({ db, provider: upTo006(migrationProvider(CAPABILITIES[dialect])), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
  await db.insertInto('workspaces').values({ id: 'ws_1', name: 'w', time_zone: 'UTC', created_at: 1 }).execute();
  await db.insertInto('webhooks').values({ workspace_id: 'ws_1', name: 'mail', executor: 'send_mail', description: 'sends "mail"', created_at: 1000, updated_at: 2000 }).execute();
  await db.insertInto('udfs').values([
    { workspace_id: 'ws_1', name: 'iban', executor: 'format_iban', description: '', created_at: 3000, updated_at: 3000 },
    { workspace_id: 'ws_1', name: 'mail', executor: 'udf_mail', description: 'same name, other kind', created_at: 4000, updated_at: 5000 },
  ]).execute();
  await db.destroy();
  return { open, cleanup };
}

for (const d of DIALECTS) {
  describe(`migration 007 (${d})`, () => {
    it('copies webhooks and udfs into point_bindings and drops the two tables', async () => {
      const seeded = await seedAt006(d);
      const store = await seeded.open();
      try {
        const noInvoker = {} as InvokeService;
        const webhooks = new BindingsService(store.db, noInvoker, { kind: 'webhook', trigger: 'webhook' });
        const udfs = new BindingsService(store.db, noInvoker, { kind: 'udf', trigger: 'udf' });
        expect(await webhooks.list('ws_1')).toEqual([
          { name: 'mail', executor: 'send_mail', description: 'sends "mail"', createdAt: new Date(1000).toISOString(), updatedAt: new Date(2000).toISOString() },
        ]);
        expect(await udfs.list('ws_1')).toEqual([
          { name: 'iban', executor: 'format_iban', description: '', createdAt: new Date(3000).toISOString(), updatedAt: new Date(3000).toISOString() },
          { name: 'mail', executor: 'udf_mail', description: 'same name, other kind', createdAt: new Date(4000).toISOString(), updatedAt: new Date(5000).toISOString() },
        ]);
        expect(await udfs.executorOf('ws_1', 'iban')).toBe('format_iban');
        const rows = await store.db.selectFrom('point_bindings').select(['point', 'name', 'executor']).orderBy('point').orderBy('name').execute();
        expect(rows).toEqual([
          { point: 'udf', name: 'iban', executor: 'format_iban' },
          { point: 'udf', name: 'mail', executor: 'udf_mail' },
          { point: 'webhook', name: 'mail', executor: 'send_mail' },
        ]);
        for (const table of ['webhooks', 'udfs']) {
          await expect(store.db.selectFrom(table as never).selectAll().execute()).rejects.toThrow();
        }
      } finally {
        await store.close();
        await seeded.cleanup();
      }
    });
  });
}
