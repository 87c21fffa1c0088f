import { describe, expect, it } from 'vitest';
import { clientAddress, lastForwarded, proxyTrust } from './proxy.js';

describe('proxyTrust', () => {
  const trusted = proxyTrust(['127.0.0.1', '10.0.0.0/8', '2001:db8::/32']);

  it('matches addresses, blocks, IPv6 and IPv4-mapped IPv6', () => {
    expect(trusted('127.0.0.1')).toBe(true);
    expect(trusted('::ffff:127.0.0.1')).toBe(true);
    expect(trusted('10.200.3.4')).toBe(true);
    expect(trusted('2001:db8:1::5')).toBe(true);
    expect(trusted('127.0.0.2')).toBe(false);
    expect(trusted('11.0.0.1')).toBe(false);
    expect(trusted('2001:db9::1')).toBe(false);
    expect(trusted('garbage')).toBe(false);
    expect(trusted(undefined)).toBe(false);
  });

  it('an entry that does not parse matches nothing', () => {
    expect(proxyTrust(['10.0.0.0/33', 'example.com'])('10.0.0.1')).toBe(false);
  });

  it('true trusts every hop, false none', () => {
    expect(proxyTrust(true)('203.0.113.9')).toBe(true);
    expect(proxyTrust(false)('127.0.0.1')).toBe(false);
  });

  it('a /20 block splits inside a group', () => {
    const t = proxyTrust(['172.16.0.0/12']);
    expect(t('172.31.255.255')).toBe(true);
    expect(t('172.32.0.0')).toBe(false);
  });
});

describe('clientAddress', () => {
  const trusted = proxyTrust(['127.0.0.1', '10.0.0.0/8']);

  it('is the right-most X-Forwarded-For entry that is not a trusted proxy', () => {
    // The visitor wrote "6.6.6.6" themselves; the proxy appended the address it saw.
    expect(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.7', trusted)).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', '203.0.113.7, 10.1.2.3', trusted)).toBe('203.0.113.7');
  });

  it('ignores the header from a socket that is not a trusted proxy', () => {
    expect(clientAddress('198.51.100.1', '203.0.113.7', trusted)).toBe('198.51.100.1');
  });

  it('is the left-most entry when every hop is trusted, and the socket without a header', () => {
    expect(clientAddress('127.0.0.1', '10.0.0.1, 10.0.0.2', trusted)).toBe('10.0.0.1');
    expect(clientAddress('127.0.0.1', undefined, trusted)).toBe('127.0.0.1');
  });

  it('with TRUST_PROXY=true, the first entry, as Fastify reads it', () => {
    expect(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.7', proxyTrust(true))).toBe('6.6.6.6');
  });
});

describe('lastForwarded', () => {
  it('takes the last value a proxy appended', () => {
    expect(lastForwarded('evil.example, shop.example.com')).toBe('shop.example.com');
    expect(lastForwarded(['a', 'https'])).toBe('https');
    expect(lastForwarded(undefined)).toBe('');
  });
});
