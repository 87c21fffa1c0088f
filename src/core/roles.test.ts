import { describe, expect, it } from 'vitest';
import { isStateChanging, maySeeSecrets, minRole, roleDenial } from './roles.js';

describe('roleDenial', () => {
  it('lets an owner do anything', () => {
    for (const [method, route] of [
      ['DELETE', '/api/v1/users/:id'],
      ['POST', '/api/v1/api-keys'],
      ['POST', '/api/v1/offers'],
    ]) {
      expect(roleDenial('owner', method!, route!)).toBeNull();
    }
  });

  it('keeps managers out of users and API keys, reads included, and lets them change everything else', () => {
    expect(roleDenial('manager', 'GET', '/api/v1/users')).toBe('owner_only');
    expect(roleDenial('manager', 'PATCH', '/api/v1/users/:id')).toBe('owner_only');
    expect(roleDenial('manager', 'GET', '/api/v1/api-keys')).toBe('owner_only');
    expect(roleDenial('manager', 'DELETE', '/api/v1/api-keys/:id')).toBe('owner_only');
    expect(roleDenial('manager', 'POST', '/api/v1/offers')).toBeNull();
    expect(roleDenial('manager', 'PATCH', '/api/v1/workspace')).toBeNull();
    // A prefix alone is not a match: /api/v1/users-report would be another resource.
    expect(roleDenial('manager', 'GET', '/api/v1/users-report')).toBeNull();
  });

  it('lets a viewer only read, and never users or API keys', () => {
    expect(roleDenial('viewer', 'GET', '/api/v1/offers')).toBeNull();
    expect(roleDenial('viewer', 'HEAD', '/api/v1/offers')).toBeNull();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'post'])
      expect(roleDenial('viewer', method, '/api/v1/offers')).toBe('read_only');
    expect(roleDenial('viewer', 'GET', '/api/v1/users')).toBe('owner_only');
  });

  it('shows secrets to owners and managers, never to viewers (SPEC §6)', () => {
    expect((['owner', 'manager', 'viewer'] as const).map(maySeeSecrets)).toEqual([true, true, false]);
  });

  it('calls every method but GET, HEAD and OPTIONS state-changing', () => {
    expect(['GET', 'HEAD', 'OPTIONS'].map(isStateChanging)).toEqual([false, false, false]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(isStateChanging)).toEqual([true, true, true, true]);
  });
});

describe('minRole', () => {
  it('names the least role of each kind of operation, the one roleDenial holds users to', () => {
    expect(minRole('GET', '/api/v1/offers')).toBe('viewer');
    expect(minRole('head', '/api/v1/offers/{id}')).toBe('viewer');
    expect(minRole('POST', '/api/v1/offers/{id}/pause')).toBe('manager');
    expect(minRole('DELETE', '/api/v1/members/:id')).toBe('manager');
    expect(minRole('GET', '/api/v1/users')).toBe('owner');
    expect(minRole('POST', '/api/v1/api-keys')).toBe('owner');
    expect(minRole('GET', '/api/v1/users-report')).toBe('viewer');
    const roles = ['viewer', 'manager', 'owner'] as const;
    for (const [method, route] of [
      ['GET', '/api/v1/offers'],
      ['PATCH', '/api/v1/workspace'],
      ['GET', '/api/v1/api-keys'],
      ['DELETE', '/api/v1/users/:id'],
    ] as const) {
      const least = roles.indexOf(minRole(method, route));
      for (const [i, role] of roles.entries())
        expect(roleDenial(role, method, route) === null, `${role} ${method} ${route}`).toBe(i >= least);
    }
  });
});
