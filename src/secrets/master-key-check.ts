// Proves at start that this node's master key is the one the database's secrets are encrypted with, so that a
// node with a different key refuses to start instead of failing every secret (and dead-lettering deliveries) later.
import { createHmac } from 'node:crypto';
import type { Db } from '../store/index.js';
import { MasterKeyError } from './master-key.js';

const CHECK_KEY = 'master_key_check';

/** A value derived from the key that reveals nothing about it (HMAC), stored once per database. */
export function masterKeyCheckValue(key: Buffer): string {
  return createHmac('sha256', key).update('outrigger master key check v1').digest('hex');
}

/** The short form shown in messages: enough to compare two nodes' keys by eye. */
function fingerprint(check: string): string {
  return check.slice(0, 12);
}

export interface MasterKeyCheckOptions {
  /** Where this node's key came from, for the message (`OUTRIGGER_MASTER_KEY` or the key file path). */
  source: string;
  /** Decrypts one stored secret (if any) with this node's key: null when fine or none, else the failing secret's name. */
  undecryptableSample(): Promise<string | null>;
}

/**
 * Stores the key's check value on the first start and compares it on every later one. A database that has
 * secrets from before the check existed gets the check only if one of them decrypts with this key.
 */
export async function verifyMasterKey(db: Db, key: Buffer, opts: MasterKeyCheckOptions): Promise<void> {
  const mine = masterKeyCheckValue(key);
  const hint = opts.source === 'OUTRIGGER_MASTER_KEY'
    ? 'every node on one database needs the same OUTRIGGER_MASTER_KEY'
    : `this node uses its own key file (${opts.source}); nodes sharing one database need the same key: set OUTRIGGER_MASTER_KEY on all of them`;
  const read = async () => (await db.selectFrom('store_meta').select('value').where('key', '=', CHECK_KEY).executeTakeFirst())?.value;
  let stored = await read();
  if (stored === undefined) {
    const failing = await opts.undecryptableSample();
    if (failing !== null) {
      throw new MasterKeyError(`the master key of this node (${opts.source}, fingerprint ${fingerprint(mine)}) does not decrypt the stored secret "${failing}": ${hint}. Refusing to start`);
    }
    // Two nodes starting at once on a new database: the first insert wins, the other compares against it.
    await db.insertInto('store_meta').values({ key: CHECK_KEY, value: mine, created_at: Date.now() }).onConflict((oc) => oc.column('key').doNothing()).execute();
    stored = await read();
  }
  if (stored !== mine) {
    throw new MasterKeyError(`the master key of this node (${opts.source}, fingerprint ${fingerprint(mine)}) is not the one this database's secrets are encrypted with (fingerprint ${fingerprint(stored ?? '')}): ${hint}. Refusing to start, since its secrets would not decrypt`);
  }
}
