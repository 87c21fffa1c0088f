// Signed postbacks: X-Touchpoint-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body or query>">,
// keyed with the workspace's postback secret. Older than the tolerance, or from the future beyond it, is a replay.
// The signature travels only in that header, and covers everything the request acts on (see signedPart).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

export type SignatureCheck =
  { ok: true } | { ok: false; reason: 'signature_malformed' | 'signature_expired' | 'signature_mismatch' };

/**
 * What a signed request's signature covers, and so the only part of it the request may act on: the raw body, byte for
 * byte, when there is one; otherwise the raw query string (everything after "?", exactly as sent, percent-encoding
 * untouched). A request signed over its body acts on no query parameter.
 */
export function signedPart(rawQuery: string, rawBody: string): { part: 'body' | 'query'; payload: string } {
  return rawBody ? { part: 'body', payload: rawBody } : { part: 'query', payload: rawQuery };
}

export function signPayload(secret: string, payload: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${payload}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** The header's timestamp and MAC, when it has the form t=<digits>,v1=<64 hex>. */
export function readSignatureHeader(header: string): { t: string; v1: string } | null {
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = parts.get('t');
  const v1 = parts.get('v1');
  return t && /^\d{1,12}$/.test(t) && v1 && /^[0-9a-f]{64}$/i.test(v1) ? { t, v1: v1.toLowerCase() } : null;
}

export function verifySignature(header: string, secret: string, payload: string, now: number): SignatureCheck {
  const parsed = readSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'signature_malformed' };
  const { t, v1 } = parsed;
  if (Math.abs(now - Number(t) * 1000) > SIGNATURE_TOLERANCE_MS) return { ok: false, reason: 'signature_expired' };
  const expected = createHmac('sha256', secret).update(`${t}.${payload}`).digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : { ok: false, reason: 'signature_mismatch' };
}

/** Constant-time comparison of a shared secret sent as a parameter. */
export function secretMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A platform webhook's signature as Shopify and WooCommerce both send it: the base64 HMAC-SHA256 of the raw body,
 * keyed with the secret the brand set on both sides.
 */
export function verifyBodyHmac(rawBody: string, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
