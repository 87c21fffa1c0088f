// Trusted proxies (TRUST_PROXY): who may tell us the visitor's address (X-Forwarded-For), and the scheme and host
// the visitor asked for (X-Forwarded-Proto, X-Forwarded-Host). One rule for the redirect's fast path and for
// Fastify (handed to it as its trustProxy function), so both read the same address from the same request.
//
// - `false` (the default): nothing forwarded is believed; the address is the socket's.
// - `true`: every hop is trusted and the address is the left-most X-Forwarded-For entry (as before addresses could
//   be listed). A client can write that entry itself when the proxy appends to what it sent: list the proxies.
// - A list of addresses and CIDR blocks (`127.0.0.1,10.0.0.0/8,::1`): from the socket leftwards through
//   X-Forwarded-For, the first address not in the list is the visitor's (the right-most untrusted entry); a proxy
//   not in the list is where believing stops. Forwarded proto and host are read only when the socket's address is
//   a trusted proxy.
import { parseIpv4, parseIpv6 } from './visitor.js';

export type TrustProxy = boolean | readonly string[];

/** 128-bit address as eight 16-bit groups; IPv4 as its IPv4-mapped IPv6 form, so 10.0.0.0/8 is ::ffff:10.0.0.0/104. */
function toGroups(ip: string): number[] | null {
  const s = ip.trim().replace(/%[\w.-]+$/, '');
  const v4 = parseIpv4(s);
  if (v4) return [0, 0, 0, 0, 0, 0xffff, (v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
  return s.includes(':') ? parseIpv6(s) : null;
}

interface Block {
  groups: number[];
  bits: number;
}

function parseBlock(entry: string): Block | null {
  const [addr, len, extra] = entry.trim().split('/');
  if (extra !== undefined || !addr) return null;
  const groups = toGroups(addr);
  if (!groups) return null;
  const isV4 = parseIpv4(addr.trim()) !== null;
  const max = isV4 ? 32 : 128;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return null;
  const n = len === undefined ? max : Number(len);
  if (n > max) return null;
  return { groups, bits: isV4 ? 96 + n : n };
}

function inBlock(g: readonly number[], b: Block): boolean {
  for (let i = 0, left = b.bits; left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if ((g[i]! & mask) !== (b.groups[i]! & mask)) return false;
  }
  return true;
}

/** Is this hop's address one we believe? The function Fastify is given, and the fast path's. */
export function proxyTrust(trust: TrustProxy): (address: string | undefined) => boolean {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  // Entries were checked when the configuration was read (config.ts); one that does not parse matches nothing.
  const blocks = trust.map(parseBlock).filter((b): b is Block => b !== null);
  return (address) => {
    if (!address) return false;
    const g = toGroups(address);
    return g !== null && blocks.some((b) => inBlock(g, b));
  };
}

/**
 * The visitor's address: from the socket leftwards through X-Forwarded-For, the first untrusted address, or the
 * left-most one when every hop is trusted (proxy-addr's rule, which Fastify's req.ip follows).
 */
export function clientAddress(
  socketAddress: string,
  forwardedFor: string | undefined,
  trusted: (address: string) => boolean,
): string {
  if (!forwardedFor || !trusted(socketAddress)) return socketAddress;
  const hops = forwardedFor.split(',');
  let address = socketAddress;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!.trim();
    if (!hop) continue;
    address = hop;
    if (!trusted(hop)) return hop;
  }
  return address;
}

/** The last value of a header a proxy may have appended to (Fastify reads X-Forwarded-Host and -Proto so). */
export function lastForwarded(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? (value[value.length - 1] ?? '') : (value ?? '');
  const comma = v.lastIndexOf(',');
  return (comma < 0 ? v : v.slice(comma + 1)).trim();
}
