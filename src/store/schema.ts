// The database as Kysely sees it. Each feature declares its own tables next to its repository (`<feature>.table.ts`)
// and adds them to this interface by declaration merging, so the store does not import the features.
import type { Kysely, Transaction } from 'kysely';
/** Facts about the store itself (migration 008), e.g. `master_key_check`. */
export interface StoreMetaTable {
  key: string;
  value: string;
  created_at: number;
}

/** Every table; the features' `*.table.ts` files extend it. */
export interface Database {
  store_meta: StoreMetaTable;
}

/** The database handle every repository takes. */
export type Db = Kysely<Database>;
/** A transaction of it (repositories that lock take one). */
export type Tx = Transaction<Database>;
