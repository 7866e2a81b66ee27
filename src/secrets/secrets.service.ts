// Secrets: write-only through the API, encrypted at rest, decrypted only for an execution that uses them.
import type { Db } from '../store/index.js';
import { ProblemError } from '../errors.js';
import type { SecretCipher } from './cipher.js';
import { iso } from '../util/time.js';

export interface SecretInfo {
  name: string;
  createdAt: string;
  updatedAt: string;
}

export const SECRET_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';

export class SecretsService {
  constructor(private readonly db: Db, private readonly cipher: SecretCipher) {}

  private aad(workspaceId: string, name: string): string {
    return `${workspaceId}/${name}`;
  }

  /** Decrypts one stored secret (any workspace): null when it works or there is none, else that secret's name (start-up key check). */
  async undecryptableSample(): Promise<string | null> {
    const row = await this.db.selectFrom('secrets').select(['workspace_id', 'name', 'ciphertext']).limit(1).executeTakeFirst();
    if (!row) return null;
    try {
      this.cipher.decrypt(row.ciphertext, this.aad(row.workspace_id, row.name));
      return null;
    } catch {
      return row.name;
    }
  }

  async list(workspaceId: string): Promise<SecretInfo[]> {
    const rows = await this.db.selectFrom('secrets').select(['name', 'created_at', 'updated_at'])
      .where('workspace_id', '=', workspaceId).orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at) }));
  }

  /** Creates or replaces a secret; returns whether it was new. */
  async put(workspaceId: string, name: string, value: string): Promise<{ created: boolean; info: SecretInfo }> {
    const now = Date.now();
    const ciphertext = this.cipher.encrypt(value, this.aad(workspaceId, name));
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('secrets').select('created_at').where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
      if (existing) {
        await trx.updateTable('secrets').set({ ciphertext, updated_at: now }).where('workspace_id', '=', workspaceId).where('name', '=', name).execute();
      } else {
        await trx.insertInto('secrets').values({ workspace_id: workspaceId, name, ciphertext, created_at: now, updated_at: now }).execute();
      }
      const createdAt = existing?.created_at ?? now;
      return { created: !existing, info: { name, createdAt: iso(createdAt), updatedAt: iso(now) } };
    });
  }

  async delete(workspaceId: string, name: string): Promise<void> {
    const res = await this.db.deleteFrom('secrets').where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new ProblemError('NOT_FOUND', `secret ${name} does not exist`);
  }

  /** Decrypted values of the named secrets; names that do not exist are absent from the map. */
  async reveal(workspaceId: string, names: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (names.length === 0) return out;
    const rows = await this.db.selectFrom('secrets').select(['name', 'ciphertext'])
      .where('workspace_id', '=', workspaceId).where('name', 'in', [...new Set(names)]).execute();
    for (const r of rows) out.set(r.name, this.cipher.decrypt(r.ciphertext, this.aad(workspaceId, r.name)));
    return out;
  }
}
