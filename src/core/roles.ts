// Who may do what in the dashboard and the admin API: one table, decided from the method and the route alone.

export type Role = 'owner' | 'manager' | 'viewer';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes only an owner (or an API key, which an owner made) may use at all: people and keys are the keys to the house. */
const OWNER_ONLY = /^\/api\/v1\/(users|api-keys)(\/|$)/;

export type RoleDenial = 'owner_only' | 'read_only';

/** Why `role` may not make this request, or null when it may. `route` is the route's pattern, e.g. /api/v1/users/:id. */
export function roleDenial(role: Role, method: string, route: string): RoleDenial | null {
  if (role === 'owner') return null;
  if (OWNER_ONLY.test(route)) return 'owner_only';
  if (role === 'viewer' && !READS.has(method.toUpperCase())) return 'read_only';
  return null;
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
