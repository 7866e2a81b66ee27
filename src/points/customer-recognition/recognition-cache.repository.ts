// The shared recognition cache (table `recognition_cache`): read, write (upsert) and invalidate per workspace.
import type { Db } from '../../store/index.js';

export async function readCache(db: Db, workspaceId: string, key: string, now: number): Promise<string | undefined> {
  const row = await db.selectFrom('recognition_cache').select(['result', 'expires_at']).where('workspace_id', '=', workspaceId).where('cache_key', '=', key).executeTakeFirst();
  return row && row.expires_at > now ? row.result : undefined;
}

export async function writeCache(db: Db, workspaceId: string, key: string, result: string, expiresAt: number, now: number): Promise<void> {
  await db.insertInto('recognition_cache').values({ workspace_id: workspaceId, cache_key: key, result, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['workspace_id', 'cache_key']).doUpdateSet({ result, expires_at: expiresAt })).execute();
  // Expired rows are swept here rather than by a timer: writes are rare compared with reads.
  await db.deleteFrom('recognition_cache').where('workspace_id', '=', workspaceId).where('expires_at', '<=', now).execute();
}

export async function clearCache(db: Db, workspaceId: string): Promise<number> {
  const r = await db.deleteFrom('recognition_cache').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return Number(r.numDeletedRows);
}
