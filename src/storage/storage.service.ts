// Storage objects: a workspace's JSON values by key, with an optional time to live.
import type { Db } from '../store/index.js';
import { ProblemError } from '../errors.js';
import { evaluationLimits } from '../util/evaluation-limits.js';
import { jsonNestingDepth } from '../util/safe-json.js';

export interface StorageObject {
  key: string;
  value: unknown;
  expiresAt: string | null;
  updatedAt: string;
  /** Set (and `value` null) when a stored value cannot be sent back, e.g. one nested thousands deep from before the depth limit. */
  valueError?: string;
}

export const STORAGE_KEY_PATTERN = '^[A-Za-z0-9_.:/-]{1,256}$';
export const STORAGE_VALUE_MAX_BYTES = 1024 * 1024;

/** Beyond this nesting, serialising a value back can overflow the stack: one such row must not fail a whole list. */
const UNREADABLE_DEPTH = 1000;

function toObject(row: { key: string; value: string; expires_at: number | null; updated_at: number }): StorageObject {
  let value: unknown = null;
  let valueError: string | undefined;
  const depth = jsonNestingDepth(row.value);
  if (depth > UNREADABLE_DEPTH) {
    valueError = `the stored value is nested ${depth} levels deep and cannot be returned; delete or overwrite it`;
  } else {
    try {
      value = JSON.parse(row.value);
    } catch (err) {
      valueError = `the stored value cannot be read: ${(err as Error).message}`;
    }
  }
  return {
    key: row.key,
    value,
    ...(valueError ? { valueError } : {}),
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
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch (err) {
      // Only a value nested deep enough to overflow the stack gets here (it came from code, not a request body).
      throw new ProblemError('VALIDATION_FAILED', 'the storage value cannot be serialised (nested too deep)', { errors: [{ field: '/value', message: 'is nested too deep' }], cause: err });
    }
    // Request bodies are already depth-limited; values set by code through the SDK are not, so check here too.
    const maxDepth = evaluationLimits().jsonBodyMaxDepth;
    if (jsonNestingDepth(text) > maxDepth) {
      throw new ProblemError('VALIDATION_FAILED', `a storage value may be nested at most ${maxDepth} levels deep`, { errors: [{ field: '/value', message: `is nested deeper than ${maxDepth} levels` }] });
    }
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
