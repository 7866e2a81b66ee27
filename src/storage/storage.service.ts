// Storage objects: a workspace's JSON values by key, with an optional time to live.
import type { Db } from '../store/index.js';
import { ProblemError } from '../errors.js';

export interface StorageObject {
  key: string;
  value: unknown;
  expiresAt: string | null;
  updatedAt: string;
}

export const STORAGE_KEY_PATTERN = '^[A-Za-z0-9_.:/-]{1,256}$';
export const STORAGE_VALUE_MAX_BYTES = 1024 * 1024;

function toObject(row: { key: string; value: string; expires_at: number | null; updated_at: number }): StorageObject {
  return {
    key: row.key,
    value: JSON.parse(row.value),
    expiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export class StorageService {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  async get(workspaceId: string, key: string): Promise<StorageObject | undefined> {
    const row = await this.db.selectFrom('storage_objects').selectAll()
      .where('workspace_id', '=', workspaceId).where('key', '=', key).executeTakeFirst();
    if (!row || (row.expires_at !== null && row.expires_at <= this.now())) return undefined;
    return toObject(row);
  }

  async set(workspaceId: string, key: string, value: unknown, ttlSeconds?: number): Promise<StorageObject> {
    if (value === undefined) throw new ProblemError('VALIDATION_FAILED', 'value is required', { errors: [{ field: '/value', message: 'is required' }] });
    const text = JSON.stringify(value);
    if (Buffer.byteLength(text) > STORAGE_VALUE_MAX_BYTES) {
      throw new ProblemError('PAYLOAD_TOO_LARGE', `a storage value may hold at most ${STORAGE_VALUE_MAX_BYTES} bytes of JSON`, { errors: [{ field: '/value', message: 'too large' }] });
    }
    const now = this.now();
    const row = { workspace_id: workspaceId, key, value: text, expires_at: ttlSeconds ? now + ttlSeconds * 1000 : null, updated_at: now };
    await this.db.insertInto('storage_objects').values(row)
      .onConflict((oc) => oc.columns(['workspace_id', 'key']).doUpdateSet({ value: text, expires_at: row.expires_at, updated_at: now }))
      .execute();
    return toObject(row);
  }

  /** Deletes a key; false when it did not exist. */
  async delete(workspaceId: string, key: string): Promise<boolean> {
    const res = await this.db.deleteFrom('storage_objects').where('workspace_id', '=', workspaceId).where('key', '=', key).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async list(workspaceId: string, prefix = '', limit = 1000): Promise<StorageObject[]> {
    let q = this.db.selectFrom('storage_objects').selectAll().where('workspace_id', '=', workspaceId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', this.now())]));
    if (prefix) q = q.where('key', '>=', prefix).where('key', '<', prefix + '\uffff');
    const rows = await q.orderBy('key').limit(limit).execute();
    return rows.map(toObject);
  }

  /** Removes expired objects (called periodically). */
  async purgeExpired(): Promise<void> {
    await this.db.deleteFrom('storage_objects').where('expires_at', 'is not', null).where('expires_at', '<=', this.now()).execute();
  }
}
