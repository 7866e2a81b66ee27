// API tokens: generated once, stored only as SHA-256 hashes, looked up by hash on each request.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../store/index.js';
import { newId } from '../ids.js';
import { EXECUTION_ROLE, isRole, type Role } from './roles.js';
import { iso, isoOrNull } from '../util/time.js';

export interface Principal {
  tokenId: string;
  workspaceId: string;
  role: Role;
  /** Name of the token, used as "who" in version history. */
  name: string;
  /** Set for the token of a running execution (ctx.api): the execution it belongs to. */
  executionId?: string;
}

const EXECUTION_TOKEN_NAME = 'execution:';

/** Creates the token a running execution uses for ctx.api: it expires with the execution and may change no configuration. */
export async function createExecutionToken(db: Db, workspaceId: string, executionId: string, expiresAt: number): Promise<string> {
  return (await createToken(db, workspaceId, EXECUTION_TOKEN_NAME + executionId, EXECUTION_ROLE, { expiresAt })).token;
}

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

const TOKEN_PREFIX = 'otr_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A fresh random token (256 bits). */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

function toInfo(row: { id: string; name: string; role: string; prefix: string; created_at: number; last_used_at: number | null; expires_at: number | null }): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    prefix: row.prefix,
    createdAt: iso(row.created_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    expiresAt: isoOrNull(row.expires_at),
  };
}

/** Stores a token (given or generated) and returns its secret value once. */
export async function createToken(db: Db, workspaceId: string, name: string, role: Role, opts: { token?: string; expiresAt?: number } = {}): Promise<{ token: string; info: TokenInfo }> {
  const token = opts.token ?? generateToken();
  const row = {
    id: newId('tok'),
    workspace_id: workspaceId,
    name,
    role,
    token_hash: hashToken(token),
    prefix: token.slice(0, 8),
    expires_at: opts.expiresAt ?? null,
    created_at: Date.now(),
    last_used_at: null,
  };
  await db.insertInto('api_tokens').values(row).execute();
  return { token, info: toInfo(row) };
}

/** Resolves a bearer token to its principal and expiry (epoch ms, null: never), or null when unknown or expired. */
export async function verifyToken(db: Db, token: string): Promise<{ principal: Principal; expiresAt: number | null } | null> {
  const row = await db.selectFrom('api_tokens')
    .select(['id', 'workspace_id', 'role', 'name', 'expires_at'])
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || !isRole(row.role)) return null;
  if (row.expires_at !== null && row.expires_at < Date.now()) return null;
  const principal: Principal = { tokenId: row.id, workspaceId: row.workspace_id, role: row.role, name: row.name };
  // Only the server creates tokens with the execution role (the API cannot assign it), so the name is trustworthy.
  if (row.role === EXECUTION_ROLE && row.name.startsWith(EXECUTION_TOKEN_NAME)) principal.executionId = row.name.slice(EXECUTION_TOKEN_NAME.length);
  return { principal, expiresAt: row.expires_at };
}

/** Resolves a bearer token to its principal, or null when unknown or expired. */
export async function authenticate(db: Db, token: string): Promise<Principal | null> {
  return (await verifyToken(db, token))?.principal ?? null;
}

export async function listTokens(db: Db, workspaceId: string): Promise<TokenInfo[]> {
  const rows = await db.selectFrom('api_tokens').selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('expires_at', 'is', null)
    .orderBy('created_at').execute();
  return rows.map(toInfo);
}

/** Revokes a token of the workspace; false when there is none with that id. */
export async function deleteToken(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const res = await db.deleteFrom('api_tokens').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Removes expired execution-scoped tokens. */
export async function purgeExpiredTokens(db: Db, now = Date.now()): Promise<void> {
  await db.deleteFrom('api_tokens').where('expires_at', 'is not', null).where('expires_at', '<', now).execute();
}

export async function hasAnyToken(db: Db, workspaceId: string): Promise<boolean> {
  const row = await db.selectFrom('api_tokens').select('id').where('workspace_id', '=', workspaceId).where('expires_at', 'is', null).executeTakeFirst();
  return !!row;
}

export async function tokenExists(db: Db, token: string): Promise<boolean> {
  const row = await db.selectFrom('api_tokens').select('id').where('token_hash', '=', hashToken(token)).executeTakeFirst();
  return !!row;
}
