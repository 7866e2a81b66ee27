// The store dialects every store-backed suite runs against; PostgreSQL from TEST_DATABASE_URL (a local default).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type TestDialect = (typeof DIALECTS)[number];

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://outrigger:outrigger@127.0.0.1:5432/outrigger_test';

/** A fresh PostgreSQL schema name per test server, so suites never see each other's rows. */
export function freshSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** Drops a test schema and everything in it (the teardown of servers that share one schema). */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
