// What the token and workspace routes do: the calling token, a workspace's tokens, and new workspaces with their first admin.
import type { Db } from '../store/index.js';
import { ProblemError } from '../errors.js';
import { createWorkspace, getWorkspace } from '../workspaces/workspaces.service.js';
import { createToken, deleteToken, listTokens, type Principal } from './tokens.js';
import { permissionsOf, type Role } from './roles.js';

/** Tokens and workspaces as the API shows them; token values are shown only once, when created. */
export class AccessService {
  constructor(private readonly db: Db, private readonly defaultTimeZone: string) {}

  /** The calling token: its workspace, role and what the role permits. */
  async me(principal: Principal) {
    return { workspace: await getWorkspace(this.db, principal.workspaceId), role: principal.role, tokenName: principal.name, tokenId: principal.tokenId, permissions: [...permissionsOf(principal.role)] };
  }

  listTokens(workspaceId: string) {
    return listTokens(this.db, workspaceId);
  }

  /** A new token; the answer carries its value (never stored in clear). */
  async createToken(workspaceId: string, name: string, role: Role) {
    const { token, info } = await createToken(this.db, workspaceId, name, role);
    return { ...info, token };
  }

  /** Revokes a token; 404 when the workspace has no such token. */
  async revokeToken(workspaceId: string, id: string): Promise<void> {
    if (!(await deleteToken(this.db, workspaceId, id))) throw new ProblemError('NOT_FOUND', `token ${id} does not exist`);
  }

  /** A workspace (time zone checked to be an IANA zone) with its first admin token. */
  async createWorkspace(name: string, timeZone = this.defaultTimeZone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
    } catch {
      throw new ProblemError('VALIDATION_FAILED', `unknown time zone ${timeZone}`, { errors: [{ field: '/timeZone', message: 'is not an IANA time zone' }] });
    }
    const workspace = await createWorkspace(this.db, name, timeZone);
    const { token } = await createToken(this.db, workspace.id, 'admin', 'admin');
    return { workspace, adminToken: token };
  }
}
