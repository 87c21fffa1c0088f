import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDomainPattern, resolveDeepLink } from './destination.js';

const OFFER = 'https://shop.com/spring-sale?utm_source=touchpoint';
const EXTRA = ['blog.shop.com', '*.shop-cdn.com'];
const resolve = (candidate: string, extra: readonly string[] = EXTRA) => resolveDeepLink(candidate, OFFER, extra);

describe('resolveDeepLink: allowed destinations', () => {
  it.each([
    ['/products/red-shoes', 'https://shop.com/products/red-shoes'],
    ['/products/red-shoes?size=42#reviews', 'https://shop.com/products/red-shoes?size=42#reviews'],
    ['/products/red shoes', 'https://shop.com/products/red%20shoes'],
    ['https://shop.com/collections/all', 'https://shop.com/collections/all'],
    ['https://SHOP.Com/Collections', 'https://shop.com/Collections'],
    ['HTTPS://shop.com/x', 'https://shop.com/x'],
    ['http://shop.com/x', 'http://shop.com/x'],
    ['https://shop.com./x', 'https://shop.com/x'],
    ['https://shop.com:443/x', 'https://shop.com/x'],
    ['https://blog.shop.com/post', 'https://blog.shop.com/post'],
    ['https://img.shop-cdn.com/a.png', 'https://img.shop-cdn.com/a.png'],
    ['https://a.b.shop-cdn.com/', 'https://a.b.shop-cdn.com/'],
    ['/%2F%2Fevil.com', 'https://shop.com/%2F%2Fevil.com'],
    ['/redirect?url=https://evil.com', 'https://shop.com/redirect?url=https://evil.com'],
  ])('%j -> %s', (candidate, out) => expect(resolve(candidate)).toBe(out));

  it('matches the offer host in its punycode form', () => {
    expect(resolveDeepLink('https://BÜCHER.example/x', 'https://bücher.example/', [])).toBe(
      'https://xn--bcher-kva.example/x',
    );
  });
  it('accepts the offer URL own non-default port', () => {
    expect(resolveDeepLink('/x', 'http://localhost:3000/', [])).toBe('http://localhost:3000/x');
    expect(resolveDeepLink('http://localhost:3000/y', 'http://localhost:3000/', [])).toBe('http://localhost:3000/y');
  });
});

describe('resolveDeepLink: never an open redirect', () => {
  it.each([
    ['protocol-relative', '//evil.com'],
    ['protocol-relative with a third slash', '///evil.com'],
    ['scheme without slashes', 'https:evil.com'],
    ['scheme without slashes on the shop', 'https:shop.com'],
    ['backslashes', '\\\\evil.com'],
    ['slash backslash', '/\\evil.com'],
    ['backslash slash', '\\/evil.com'],
    ['backslash in an absolute URL', 'https:\\\\evil.com'],
    ['userinfo naming the shop', 'https://shop.com@evil.com'],
    ['userinfo on the shop itself', 'https://user:pass@shop.com/'],
    ['fragment hiding the host', 'https://evil.com#@shop.com'],
    ['shop as a subdomain of evil', 'https://shop.com.evil.com'],
    ['suffix without a dot', 'https://evilshop.com'],
    ['percent-encoded host', 'https://%65vil.com'],
    ['wildcard does not cover the apex', 'https://shop-cdn.com/'],
    ['exact extra domain does not cover subdomains', 'https://x.blog.shop.com/'],
    ['other port on the shop', 'https://shop.com:8443/'],
    ['javascript', 'javascript:alert(1)'],
    ['javascript mixed case', 'JaVaScRiPt:alert(1)'],
    ['tab inside the scheme', 'java\tscript:alert(1)'],
    ['newline inside the scheme', 'java\nscript:alert(1)'],
    ['tab between slashes', '/\t/evil.com'],
    ['newline in a path', '/x\n/y'],
    ['data URL', 'data:text/html,<script>alert(1)</script>'],
    ['ftp', 'ftp://shop.com/file'],
    ['file', 'file:///etc/passwd'],
    ['bare host', 'evil.com'],
    ['relative path', 'products/x'],
    ['leading whitespace', ' https://shop.com/x'],
    ['leading whitespace before //', ' //evil.com'],
    ['trailing whitespace', 'https://shop.com/x '],
    ['leading NUL', '\u0000//evil.com'],
    ['empty', ''],
    ['just a scheme', 'https://'],
    ['too long', `/${'a'.repeat(3000)}`],
  ])('%s: %j', (_name, candidate) => expect(resolve(candidate)).toBeNull());

  it('rejects a missing candidate at run time', () => {
    expect(resolveDeepLink(undefined as unknown as string, OFFER, EXTRA)).toBeNull();
  });
  it('rejects when the offer URL itself is unusable', () => {
    expect(resolveDeepLink('/x', 'not a url', [])).toBeNull();
    expect(resolveDeepLink('/x', 'ftp://shop.com/', [])).toBeNull();
  });
  it('ignores malformed extra domains instead of widening the allow-list', () => {
    expect(resolve('https://evil.com/', ['*', '*.com', 'https://evil.com', 'evil.com/'])).toBeNull();
  });

  it('whatever the input, a non-null result is http(s) on an allowed host (property)', () => {
    const piece = fc.constantFrom(
      '/',
      '//',
      '\\',
      '@',
      '#',
      '?',
      ':',
      '.',
      '%2F',
      '%40',
      'evil.com',
      'shop.com',
      'blog.shop.com',
      'x.shop-cdn.com',
      'https:',
      'http:',
      'javascript:',
      ' ',
      '\t',
      '%65',
      'a',
      '..',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 8 }).map((p) => p.join('')),
        (candidate) => {
          const out = resolve(candidate);
          if (out === null) return true;
          const url = new URL(out);
          const hostOk =
            url.hostname === 'shop.com' || url.hostname === 'blog.shop.com' || url.hostname.endsWith('.shop-cdn.com');
          return (
            hostOk &&
            (url.protocol === 'https:' || url.protocol === 'http:') &&
            url.username === '' &&
            url.password === ''
          );
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('checkDomainPattern', () => {
  it.each([
    'shop.example.com',
    'example.com',
    '*.example.com',
    '*.a.b.example.co',
    'xn--bcher-kva.example',
    'my-shop1.io',
    'a.xn--p1ai',
  ])('accepts %s', (p) => expect(checkDomainPattern(p)).toBe(true));
  it.each([
    '',
    'com',
    '*.com',
    '*',
    '*.',
    'Shop.com',
    'https://shop.com',
    'shop.com/',
    'shop.com:443',
    '-shop.com',
    'shop-.com',
    'shop..com',
    '.shop.com',
    'shop.com.',
    'shop.*.com',
    '**.shop.com',
    'sh op.com',
    'bücher.example',
    '1.2.3.4',
    `${'a'.repeat(64)}.com`,
    `${'abc.'.repeat(63)}com`,
  ])('rejects %j', (p) => expect(checkDomainPattern(p)).toBe(false));
});
