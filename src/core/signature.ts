// Signed postbacks: X-Touchpoint-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body or query>">,
// keyed with the workspace's postback secret. Older than the tolerance, or from the future beyond it, is a replay.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

export type SignatureCheck = { ok: true } | { ok: false; reason: 'signature_malformed' | 'signature_expired' | 'signature_mismatch' };

export function signPayload(secret: string, payload: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${payload}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export function verifySignature(header: string, secret: string, payload: string, now: number): SignatureCheck {
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !/^\d{1,12}$/.test(t) || !v1 || !/^[0-9a-f]{64}$/i.test(v1)) return { ok: false, reason: 'signature_malformed' };
  if (Math.abs(now - Number(t) * 1000) > SIGNATURE_TOLERANCE_MS) return { ok: false, reason: 'signature_expired' };
  const expected = createHmac('sha256', secret).update(`${t}.${payload}`).digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'signature_mismatch' };
}

/** Constant-time comparison of a shared secret sent as a parameter. */
export function secretMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
