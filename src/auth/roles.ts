// Roles and what each may do; routes declare a permission, tokens carry a role.

/** Roles a token can be given through the API and the CLI. */
export const ROLES = ['admin', 'developer', 'operator', 'viewer', 'invoker'] as const;
/**
 * The role of the token a running execution uses for ctx.api: created by the server only, never assignable.
 * Tokens with it are named `execution:<execution id>`.
 */
export const EXECUTION_ROLE = 'execution';
export type Role = (typeof ROLES)[number] | typeof EXECUTION_ROLE;

/** The permissions a route can require. */
export type Permission =
  | 'any' // every authenticated token (e.g. asking who it is)
  | 'read' // list and read definitions, executions, storage, secret names
  | 'invoke' // invoke executors, call webhooks/UDFs/tools, publish events
  | 'executors:write' // create, change, test, roll back, delete executors and bindings
  | 'secrets:write'
  | 'storage:write'
  | 'operate' // work on the host model: tickets, replies, profiles, conversations
  | 'hooks:operate' // replay events, enable/disable hooks: changes what runs later
  | 'admin'; // tokens and workspaces

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ['read', 'invoke', 'executors:write', 'secrets:write', 'storage:write', 'operate', 'hooks:operate', 'admin'],
  developer: ['read', 'invoke', 'executors:write', 'secrets:write', 'storage:write', 'operate', 'hooks:operate'],
  operator: ['read', 'invoke', 'storage:write', 'operate', 'hooks:operate'],
  viewer: ['read'],
  // An invoker is a machine client: it may call executors but not read their definitions or executions.
  invoker: ['invoke'],
  // Running code reads, invokes, works on tickets, storage and events, but changes no configuration (executors,
  // bindings, hooks, secrets, tokens): one execution must not be able to plant work that outlives it.
  execution: ['read', 'invoke', 'storage:write', 'operate'],
};

/** The permissions a role carries (the console shows or hides controls by them). */
export function permissionsOf(role: Role): readonly Permission[] {
  return GRANTS[role];
}

/** Whether a role carries a permission. */
export function roleAllows(role: Role, permission: Permission): boolean {
  return permission === 'any' || GRANTS[role].includes(permission);
}

/** Whether a stored role is known (the execution role included). */
export function isRole(value: string): value is Role {
  return value === EXECUTION_ROLE || (ROLES as readonly string[]).includes(value);
}
