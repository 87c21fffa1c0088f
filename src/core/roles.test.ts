import { describe, expect, it } from 'vitest';
import { isStateChanging, maySeeSecrets, roleDenial } from './roles.js';

describe('roleDenial', () => {
  it('lets an owner do anything', () => {
    for (const [method, route] of [['DELETE', '/api/v1/users/:id'], ['POST', '/api/v1/api-keys'], ['POST', '/api/v1/offers']]) {
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
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'post']) expect(roleDenial('viewer', method, '/api/v1/offers')).toBe('read_only');
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
