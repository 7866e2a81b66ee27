// Storage objects: a workspace's JSON values by key, with an optional time to live, within the workspace's quota.
import { sql } from 'kysely';
import type { Db } from '../store/index.js';
import type { DialectCapabilities } from '../store/dialect.js';
import type { StorageLimits } from '../config.js';
import { ProblemError } from '../errors.js';
import { evaluationLimits } from '../util/evaluation-limits.js';
import { jsonNestingDepth } from '../util/safe-json.js';
import { iso, isoOrNull } from '../util/time.js';

export interface StorageObject {
  key: string;
  value: unknown;
  expiresAt: string | null;
  updatedAt: string;
  /** Set (and `value` null) when a stored value cannot be sent back, e.g. one nested thousands deep from before the depth limit. */
  valueError?: string;
}

/** One page of a list: at most `limit` entries and the byte cap; `nextCursor` is the last key when more may follow. */
export interface StoragePage {
  items: StorageObject[];
  nextCursor: string | null;
}

export const STORAGE_KEY_PATTERN = '^[A-Za-z0-9_.:/-]{1,256}$';

export const DEFAULT_STORAGE_LIMITS: StorageLimits = {
  maxBytes: 100 * 1024 * 1024,
  maxKeys: 10_000,
  valueMaxBytes: 1024 * 1024,
  listMaxItems: 1000,
  listMaxBytes: 4 * 1024 * 1024,
};

/** Rows read per query while filling a list page: bounds the memory one list costs to a few values, not the whole page. */
const LIST_BATCH = 8;

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
    expiresAt: isoOrNull(row.expires_at),
    updatedAt: iso(row.updated_at),
  };
}

export class StorageService {
  readonly limits: StorageLimits;

  constructor(
    private readonly db: Db,
    private readonly opts: { caps?: DialectCapabilities; limits?: StorageLimits; now?: () => number } = {},
  ) {
    this.limits = opts.limits ?? DEFAULT_STORAGE_LIMITS;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  async get(workspaceId: string, key: string): Promise<StorageObject | undefined> {
    const row = await this.db.selectFrom('storage_objects').selectAll()
      .where('workspace_id', '=', workspaceId).where('key', '=', key).executeTakeFirst();
    if (!row || (row.expires_at !== null && row.expires_at <= this.now())) return undefined;
    return toObject(row);
  }

  /** Writes a value; fails with LIMIT_EXCEEDED when the workspace's bytes or keys would go past its quota. */
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
    const size = Buffer.byteLength(text);
    const { valueMaxBytes, maxBytes, maxKeys } = this.limits;
    if (size > valueMaxBytes) {
      throw new ProblemError('PAYLOAD_TOO_LARGE', `a storage value may hold at most ${valueMaxBytes} bytes of JSON (this one has ${size})`, { errors: [{ field: '/value', message: 'too large' }], extra: { limit: 'valueBytes', max: valueMaxBytes } });
    }
    const now = this.now();
    const row = { workspace_id: workspaceId, key, value: text, expires_at: ttlSeconds ? now + ttlSeconds * 1000 : null, updated_at: now };
    await this.db.transaction().execute(async (trx) => {
      // Serialise the quota check per workspace: PostgreSQL locks the workspace row; SQLite has one writer
      // connection, so its transactions already run one after another.
      if (this.opts.caps?.skipLocked) await trx.selectFrom('workspaces').select('id').where('id', '=', workspaceId).forUpdate().execute();
      // Usage without the key being written (its old value is replaced); expired objects no longer count.
      const used = await trx.selectFrom('storage_objects')
        .select([sql<number>`count(*)`.as('keys'), sql<number>`coalesce(sum(octet_length(key) + octet_length(value)), 0)`.as('bytes')])
        .where('workspace_id', '=', workspaceId).where('key', '<>', key)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .executeTakeFirstOrThrow();
      const keys = Number(used.keys) + 1;
      const bytes = Number(used.bytes) + Buffer.byteLength(key) + size;
      if (keys > maxKeys) throw new ProblemError('LIMIT_EXCEEDED', `the workspace's storage may hold at most ${maxKeys} objects`, { extra: { limit: 'keys', max: maxKeys } });
      if (bytes > maxBytes) throw new ProblemError('LIMIT_EXCEEDED', `the workspace's storage may hold at most ${maxBytes} bytes (keys and values); this write would make it ${bytes}`, { extra: { limit: 'bytes', max: maxBytes } });
      await trx.insertInto('storage_objects').values(row)
        .onConflict((oc) => oc.columns(['workspace_id', 'key']).doUpdateSet({ value: text, expires_at: row.expires_at, updated_at: now }))
        .execute();
    });
    return toObject(row);
  }

  /** Deletes a key; false when it did not exist. */
  async delete(workspaceId: string, key: string): Promise<boolean> {
    const res = await this.db.deleteFrom('storage_objects').where('workspace_id', '=', workspaceId).where('key', '=', key).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /**
   * One page of live objects in key order after `cursor` (a key): at most `limit` entries (capped by listMaxItems)
   * and listMaxBytes of keys plus JSON values. Rows are read a few at a time, so a workspace full of large values
   * costs one page's bytes, never the whole table.
   */
  async page(workspaceId: string, opts: { prefix?: string; limit?: number; cursor?: string } = {}): Promise<StoragePage> {
    const limit = Math.max(1, Math.min(opts.limit ?? this.limits.listMaxItems, this.limits.listMaxItems));
    const prefix = opts.prefix ?? '';
    const now = this.now();
    const items: StorageObject[] = [];
    let bytes = 0;
    let after = opts.cursor && opts.cursor >= prefix ? opts.cursor : undefined;
    for (;;) {
      let q = this.db.selectFrom('storage_objects').selectAll().where('workspace_id', '=', workspaceId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
      if (prefix) q = q.where('key', '>=', prefix).where('key', '<', prefix + '\uffff');
      if (after !== undefined) q = q.where('key', '>', after);
      const want = Math.min(LIST_BATCH, limit - items.length);
      const rows = await q.orderBy('key').limit(want).execute();
      for (const row of rows) {
        const size = Buffer.byteLength(row.key) + Buffer.byteLength(row.value);
        // The first entry always fits (one value is smaller than the cap), so a page always moves on.
        if (items.length > 0 && bytes + size > this.limits.listMaxBytes) return { items, nextCursor: items[items.length - 1]!.key };
        bytes += size;
        items.push(toObject(row));
      }
      if (rows.length < want) return { items, nextCursor: null };
      if (items.length >= limit) return { items, nextCursor: items[items.length - 1]!.key };
      after = rows[rows.length - 1]!.key;
    }
  }

  /** The first page of live objects under a prefix (see page()). */
  async list(workspaceId: string, prefix = '', limit?: number): Promise<StorageObject[]> {
    return (await this.page(workspaceId, { prefix, ...(limit ? { limit } : {}) })).items;
  }

  /** Removes expired objects (called periodically). */
  async purgeExpired(): Promise<void> {
    await this.db.deleteFrom('storage_objects').where('expires_at', 'is not', null).where('expires_at', '<=', this.now()).execute();
  }
}
