// Who may do what in the dashboard and the admin API: one rule, decided from the method and the route alone. The
// server enforces it (http/auth.ts) and the OpenAPI document shows it (x-min-role, http/app.ts), both from minRole.

export type Role = 'owner' | 'manager' | 'viewer';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes only an owner (or an API key, which an owner made) may use at all: people and keys are the keys to the house. */
const OWNER_ONLY = /^\/api\/v1\/(users|api-keys)(\/|$)/;

/** Least to most: each role may do all that the ones before it may. */
const RANK: Record<Role, number> = { viewer: 0, manager: 1, owner: 2 };

export type RoleDenial = 'owner_only' | 'read_only';

/** The least role that may make this request. `route` is the route's pattern, e.g. /api/v1/users/:id (or /{id}). */
export function minRole(method: string, route: string): Role {
  if (OWNER_ONLY.test(route)) return 'owner';
  return READS.has(method.toUpperCase()) ? 'viewer' : 'manager';
}

/** Why `role` may not make this request, or null when it may. */
export function roleDenial(role: Role, method: string, route: string): RoleDenial | null {
  const needed = minRole(method, route);
  if (RANK[role] >= RANK[needed]) return null;
  return needed === 'owner' ? 'owner_only' : 'read_only';
}

/**
 * Whether the role may read the workspace's secrets (the postback secret: whoever holds it can record conversions).
 * SPEC §6: owners and managers (and API keys, which act as owners), never viewers.
 */
export function maySeeSecrets(role: Role): boolean {
  return role !== 'viewer';
}

export function isStateChanging(method: string): boolean {
  return !READS.has(method.toUpperCase());
}
