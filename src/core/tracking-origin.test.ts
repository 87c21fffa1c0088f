import { describe, expect, it } from 'vitest';
import { checkTrackingOrigin, firstPartyHosts, linkBase, linkUrl } from './tracking-origin.js';

const check = (v: string, extra: string[] = []) =>
  checkTrackingOrigin(v, 'https://shop.example.com/p/{click_id}', extra);

describe('checkTrackingOrigin', () => {
  it('normalizes an https origin on the offer host, with or without a path prefix', () => {
    expect(check('https://Shop.Example.com/go/')).toEqual({ ok: true, origin: 'https://shop.example.com/go' });
    expect(check('https://shop.example.com')).toEqual({ ok: true, origin: 'https://shop.example.com' });
    expect(check('https://shop.example.com/t/go')).toEqual({ ok: true, origin: 'https://shop.example.com/t/go' });
  });

  it('accepts allowed extra domains, wildcards included', () => {
    expect(check('https://www.example.org/go', ['www.example.org']).ok).toBe(true);
    expect(check('https://t.example.com/go', ['*.example.com']).ok).toBe(true);
    expect(check('https://t.example.com/go').ok).toBe(false);
  });

  it('refuses another host, plain http off localhost, credentials, queries and odd paths', () => {
    for (const bad of [
      'https://evil.example/go',
      'http://shop.example.com/go',
      'https://user:pw@shop.example.com/go',
      'https://shop.example.com/go?x=1',
      'https://shop.example.com/go#x',
      'https://shop.example.com/g o',
      'https://shop.example.com:8443/go',
      'shop.example.com/go',
    ])
      expect(check(bad).ok, bad).toBe(false);
  });

  it('allows http on localhost hosts, on the destination port', () => {
    const local = (v: string) => checkTrackingOrigin(v, 'http://shop.localhost:8080/landing', []);
    expect(local('http://shop.localhost:8080/go')).toEqual({ ok: true, origin: 'http://shop.localhost:8080/go' });
    expect(local('http://shop.localhost:9090/go').ok).toBe(false);
  });
});

describe('link URLs', () => {
  it('use the tracking origin when the offer has one, else BASE_URL', () => {
    expect(linkUrl(linkBase('https://tp.example', null), 'AbCd1234')).toBe('https://tp.example/AbCd1234');
    expect(linkUrl(linkBase('https://tp.example', 'https://shop.example.com/go'), 'AbCd1234')).toBe(
      'https://shop.example.com/go/AbCd1234',
    );
  });

  it('first-party hosts: with and without the port', () => {
    expect(firstPartyHosts('http://shop.localhost:8080/go')).toEqual({
      host: 'shop.localhost:8080',
      hostname: 'shop.localhost',
    });
    expect(firstPartyHosts(null)).toBeNull();
  });
});
