// Every operation of the OpenAPI document tried by every kind of caller, over real HTTP, on a workspace seeded with
// one of each resource and each secret: who is let in is exactly what the operation declares (x-min-role, security),
// refusals are 401/403 in the one error shape, another workspace's key reads nothing of this one, and no viewer or
// member ever reads a secret or a token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/core/roles.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import {
  isProblem,
  realPath,
  seedWorld,
  send,
  type Answer,
  type Operation,
  type Principal,
  type World,
} from './helpers/openapi.js';
import { DIALECTS } from './helpers/stores.js';

const RANK: Record<Role, number> = { viewer: 0, manager: 1, owner: 2 };

/** Whether the principal is let through the operation's door (its answer may still be 400, 404 or 409). */
function allowed(op: Operation, p: Principal): boolean {
  switch (op.access) {
    case 'public':
      return true;
    case 'member':
      return p.name === 'member';
    case 'session':
      return p.name === 'owner' || p.name === 'manager' || p.name === 'viewer';
    case 'gate':
      if (p.name === 'other_workspace') return true;
      return p.role !== undefined && op.minRole !== undefined && RANK[p.role] >= RANK[op.minRole];
  }
}

/** Shapes of secrets whatever their value: API keys, webhook signing secrets, tokens in setup and sign-in links. */
const SECRET_SHAPES = [/tpk_[0-9A-Za-z]{40}/, /whsec_[0-9A-Za-z_-]{16,}/, /token=[A-Za-z0-9_-]{20,}/];

interface Tried {
  op: Operation;
  principal: Principal;
  answer: Answer;
}

describe.each(DIALECTS)('every operation by every principal on %s', (kind) => {
  let t: TestApp;
  let world: World;
  let now = Date.UTC(2026, 3, 1, 12);
  const tried: Tried[] = [];

  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    world = await seedWorld(t, (ms) => {
      now += ms;
    });
    // Those to be refused go first: whatever they send must change nothing that those let in then act on.
    const order: Principal['name'][] = ['none', 'member', 'other_workspace', 'viewer', 'manager', 'owner', 'api_key'];
    for (const op of world.operations) {
      const url = realPath(world, op);
      const principals = [...world.principals].sort(
        (a, b) => Number(allowed(op, a)) - Number(allowed(op, b)) || order.indexOf(a.name) - order.indexOf(b.name),
      );
      for (const principal of principals) {
        tried.push({ op, principal, answer: await send(world.base, op.method, url, principal.headers(op.method)) });
      }
    }
  }, 120_000);
  afterAll(() => t.close());

  const where = (x: Tried) => `${x.principal.name} ${x.op.id}: ${x.answer.status} ${x.answer.body.slice(0, 160)}`;

  it('declares the least role of every operation behind the admin gate, and the security of every other', () => {
    expect(world.operations.length).toBeGreaterThan(50);
    const undeclared = world.operations.filter((op) => (op.access === 'gate') !== (op.minRole !== undefined));
    expect(undeclared.map((op) => op.id)).toEqual([]);
    const roles = new Set(world.operations.map((op) => op.minRole));
    expect([...roles].filter(Boolean).sort()).toEqual(['manager', 'owner', 'viewer']);
    // Spot checks against the rule as the README states it.
    const minRoleOf = (id: string) => world.operations.find((op) => op.id === id)?.minRole;
    expect(minRoleOf('GET /api/v1/offers')).toBe('viewer');
    expect(minRoleOf('POST /api/v1/offers/{id}/pause')).toBe('manager');
    expect(minRoleOf('GET /api/v1/api-keys')).toBe('owner');
    expect(minRoleOf('DELETE /api/v1/users/{id}')).toBe('owner');
  });

  it('tried every operation with every principal', () => {
    expect(tried).toHaveLength(world.operations.length * world.principals.length);
    expect(new Set(world.principals.map((p) => p.name)).size).toBe(7);
  });

  it('lets in whom the operation declares and refuses everyone else with 401 or 403 in the one error shape', () => {
    const failures: string[] = [];
    for (const x of tried) {
      const { status } = x.answer;
      if (status >= 500) failures.push(`5xx: ${where(x)}`);
      else if (allowed(x.op, x.principal)) {
        if (status === 401 || status === 403) failures.push(`refused but allowed: ${where(x)}`);
      } else if (status !== 401 && status !== 403) failures.push(`let in but should be refused: ${where(x)}`);
      else if (!isProblem(x.answer.data)) failures.push(`refusal not in the error shape: ${where(x)}`);
      if (status >= 400 && x.answer.contentType.includes('json') && !isProblem(x.answer.data))
        failures.push(`error not in the error shape: ${where(x)}`);
    }
    expect(failures).toEqual([]);
  });

  it("never answers another workspace's key with anything of this workspace", () => {
    const failures: string[] = [];
    for (const x of tried.filter((x) => x.principal.name === 'other_workspace')) {
      const leaked = world.markers.filter((m) => x.answer.body.includes(m));
      if (leaked.length) failures.push(`leaks ${leaked.join(', ')}: ${where(x)}`);
      // Ids of this workspace in the path name nothing the other workspace has.
      if (x.op.access === 'gate' && x.op.path.includes('{') && x.answer.status < 400)
        failures.push(`acts on this workspace's id: ${where(x)}`);
    }
    expect(failures).toEqual([]);
  });

  it('never shows a viewer or a member a secret, an API key or a setup or sign-in token', () => {
    const failures: string[] = [];
    for (const x of tried.filter((x) => x.principal.name === 'viewer' || x.principal.name === 'member')) {
      const leaked = world.secrets.filter((s) => x.answer.body.includes(s));
      const shaped = SECRET_SHAPES.filter((re) => re.test(x.answer.body)).map(String);
      if (leaked.length || shaped.length)
        failures.push(`${[...leaked.map((s) => s.slice(0, 12) + '…'), ...shaped].join(', ')}: ${where(x)}`);
    }
    expect(failures).toEqual([]);
  });

  it('still answers afterwards', async () => {
    const r = await send(world.base, 'GET', '/api/v1/workspace', { authorization: `Bearer ${world.ownerKey}` });
    expect(r.status).toBe(200);
  });
});
