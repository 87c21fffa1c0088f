import type { TrackingChange } from '../core/tracking-change.js';
import type { Store } from '../db/dialect/index.js';
import type { ConversionFactsCache } from './conversion-facts.js';

/** What a use case needs from the outside world, passed in rather than imported. */
export interface AppContext {
  store: Store;
  clock: () => number;
  /** Public origin tracking links are built on. */
  baseUrl: string;
  /** Told after a change that affects where tracking links redirect; resolves once this instance's cache has it. */
  trackingChanged: (change: TrackingChange) => Promise<void>;
  /** Told of each conversion event's outcome (created, filled_in, duplicate, rejected), for metrics. */
  conversionEvent?: (source: string, outcome: string) => void;
  /** The settings conversions are decided with, kept in memory; without it every event reads them from the database. */
  conversionFacts?: ConversionFactsCache;
  /** Told after a change to a workspace made through the admin API; resolves once this instance's caches have it. */
  workspaceChanged?: (workspaceId: string) => Promise<void>;
  /** Messages to people (email), wired where the server is built; use cases call what exists and go on without it. */
  notify?: Notifier;
}

export interface Notifier {
  /** A leaked code was rotated: tell the member their new code. Called once per rotation, after it was committed. */
  codeRotated?: (n: {
    workspaceId: string;
    memberId: string;
    offerId: string;
    oldCode: string;
    newCode: string;
  }) => Promise<void>;
}

/** Who acts, and in which workspace: every query is scoped by it. */
export interface Actor {
  workspaceId: string;
  /** "api_key:key_…" or "user:usr_…", written to the audit log. */
  actor: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  const id = Buffer.from(cursor, 'base64url').toString();
  return /^[a-z]+_[0-9a-z]{26}$/.test(id) ? id : null;
}

/** Rows come newest first (ids are time-ordered); fetch limit + 1 to know whether a next page exists. */
export function toPage<T extends { id: string }, V>(rows: T[], limit: number, view: (row: T) => V): Page<V> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return { data: slice.map(view), nextCursor: more ? encodeCursor(slice[slice.length - 1]!.id) : null };
}
