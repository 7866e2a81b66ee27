// Roles and what each may do; routes declare a permission, tokens carry a role.

export const ROLES = ['admin', 'developer', 'operator', 'viewer', 'invoker'] as const;
export type Role = (typeof ROLES)[number];

/** The permissions a route can require. */
export type Permission =
  | 'any' // every authenticated token (e.g. asking who it is)
  | 'read' // list and read definitions, executions, storage, secret names
  | 'invoke' // invoke executors, call webhooks/UDFs/tools
  | 'executors:write' // create, change, test, roll back, delete executors and bindings
  | 'secrets:write'
  | 'storage:write'
  | 'operate' // replay events, enable/disable hooks
  | 'admin'; // tokens and workspaces

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ['read', 'invoke', 'executors:write', 'secrets:write', 'storage:write', 'operate', 'admin'],
  developer: ['read', 'invoke', 'executors:write', 'secrets:write', 'storage:write', 'operate'],
  operator: ['read', 'invoke', 'storage:write', 'operate'],
  viewer: ['read'],
  // An invoker is a machine client: it may call executors but not read their definitions or executions.
  invoker: ['invoke'],
};

/** Whether a role carries a permission. */
export function roleAllows(role: Role, permission: Permission): boolean {
  return permission === 'any' || GRANTS[role].includes(permission);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
