import { describe, expect, it } from 'vitest';
import { ApiError, fieldErrors, friendlyMessage, lineErrors } from '../../web/shared/errors.js';
import { findRoute, matchPath, stripBase } from '../../web/shared/route-match.js';

describe('errors in words a marketer understands', () => {
  it('replaces technical messages by code, and keeps the specific ones', () => {
    expect(friendlyMessage(new ApiError(0, 'network', 'fetch failed'))).toMatch(/could not be reached/);
    expect(friendlyMessage(new ApiError(404, 'route_not_found', 'No route POST /api/v1/x'))).toBe(
      'This feature is not available on this server yet.',
    );
    expect(friendlyMessage(new ApiError(400, 'import_invalid', '2 row(s) have problems; nothing was imported.'))).toBe(
      '2 row(s) have problems; nothing was imported.',
    );
    expect(friendlyMessage(new ApiError(403, 'forbidden_role', 'Viewers can look but not change anything.'))).toBe(
      'Viewers can look but not change anything.',
    );
    expect(friendlyMessage(new ApiError(502, 'http_502', 'Bad Gateway'))).toMatch(/on our side/);
    expect(friendlyMessage(new TypeError('x is undefined'))).toMatch(/Reload/);
  });

  it('maps details to fields and to the lines of an imported file', () => {
    const e = new ApiError(400, 'validation_failed', 'Some fields are not valid.', [
      {
        path: 'payoutOptions.1.value',
        code: 'payout_value_invalid',
        message: 'A fixed payout is an amount in USD such as "5.00".',
      },
      { path: 'name', code: 'minLength', message: 'must NOT have fewer than 1 characters' },
      { line: 4, path: 'email', message: 'not an email' },
      { line: 4, path: 'reach', message: 'not a number' },
    ]);
    expect(fieldErrors(e)).toEqual({
      'payoutOptions.1.value': 'A fixed payout is an amount in USD such as "5.00".',
      name: 'This is required.',
      email: 'not an email',
      reach: 'not a number',
    });
    expect([...lineErrors(e).entries()].map(([line, ds]) => [line, ds.length])).toEqual([[4, 2]]);
  });
});

describe('routes', () => {
  it('matches paths with parameters and strips the base', () => {
    expect(matchPath('/offers/:id/edit', '/offers/off_1/edit')).toEqual({ id: 'off_1' });
    expect(matchPath('/offers/:id', '/offers/off_1/edit')).toBeNull();
    expect(matchPath('/offers/:id', '/offers/%E0%A4%A')).toBeNull();
    const routes = [{ path: '/offers/new' }, { path: '/offers/:id' }];
    expect(findRoute(routes, '/offers/new')?.route.path).toBe('/offers/new');
    expect(findRoute(routes, '/offers/off_2')?.params).toEqual({ id: 'off_2' });
    expect(stripBase('/app', '/app')).toBe('/');
    expect(stripBase('/app', '/app/members')).toBe('/members');
  });
});
