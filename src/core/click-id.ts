// Click ids travel in URLs, cookies, Shopify orders and network postbacks, and come back to credit a sale.
// They must be unguessable (a guessed id would steal a creator's commission), short, URL-safe, and say
// which workspace they belong to without a database lookup (a postback can be routed before any query).
//
// Layout, 28 base62 characters:
//   7  milliseconds since 2020-01-01T00:00:00Z (good until 2131). Time first, so ids made later sort later
//      and inserts into the clicks primary-key index stay append-mostly.
//   4  the workspace's click tag.
//   17 random characters, about 101 bits.
// The alphabet is in ASCII order, so byte-wise string order is time order. In PostgreSQL that holds only
// under the "C" collation; a locale collation sorts "a" before "B".
import { randomBase62 } from './ids.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export const CLICK_EPOCH = Date.UTC(2020, 0, 1);
export const CLICK_ID_LENGTH = 28;
const TIME_CHARS = 7;
const TAG_CHARS = 4;
const RANDOM_CHARS = CLICK_ID_LENGTH - TIME_CHARS - TAG_CHARS;
const MAX_OFFSET = 62 ** TIME_CHARS - 1;

const TAG_RE = /^[0-9A-Za-z]{4}$/;
const CLICK_ID_RE = /^[0-9A-Za-z]{28}$/;

/** A new workspace's click tag. 62^4 ≈ 14.8 M values: the caller keeps tags unique (a unique index). */
export function newWorkspaceTag(): string {
  return randomBase62(TAG_CHARS);
}

export function isWorkspaceTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** Throws on a malformed tag or a clock outside 2020–2131: both are bugs, not input. */
export function newClickId(workspaceTag: string, now: number = Date.now()): string {
  if (!TAG_RE.test(workspaceTag)) throw new Error(`invalid workspace click tag: ${JSON.stringify(workspaceTag)}`);
  const offset = Math.floor(now) - CLICK_EPOCH;
  if (!Number.isFinite(offset) || offset < 0 || offset > MAX_OFFSET) throw new RangeError(`clock out of range: ${now}`);
  let time = '';
  let t = offset;
  for (let i = 0; i < TIME_CHARS; i++) {
    time = BASE62[t % 62]! + time;
    t = Math.floor(t / 62);
  }
  return time + workspaceTag + randomBase62(RANDOM_CHARS);
}

/** The workspace tag and creation time (ms) of a well-formed click id; null for anything else. */
export function parseClickId(id: string): { workspaceTag: string; createdAt: number } | null {
  if (typeof id !== 'string' || !CLICK_ID_RE.test(id)) return null;
  let offset = 0;
  for (let i = 0; i < TIME_CHARS; i++) offset = offset * 62 + BASE62.indexOf(id[i]!);
  return { workspaceTag: id.slice(TIME_CHARS, TIME_CHARS + TAG_CHARS), createdAt: CLICK_EPOCH + offset };
}
