// Links by slug, in memory, so a redirect never waits for the database once a link is known.
// Warmed with the newest links on start; a miss loads one link; a change reloads the affected entries in place
// (an entry is kept when its reload fails, so redirects survive a database outage).
import type { TrackingChange } from '../core/tracking-change.js';
import type { DeepLinkSettings } from '../core/destination.js';
import { firstPartyHosts } from '../core/tracking-origin.js';
import { buildDestination, type CodeAppendSettings, type TemplateVars } from '../core/templating.js';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import {
  findTrackedLinkBySlug,
  findTrackedLinks,
  recentTrackedLinks,
  type TrackedLinkRow,
} from '../db/tracked-links.js';

export interface TrackedLink {
  linkId: string;
  slug: string;
  linkActive: boolean;
  deepLinkUrl: string | null;
  workspaceId: string;
  clickTag: string;
  ipHashKey: string;
  offerId: string;
  offerName: string;
  offerActive: boolean;
  endsAt: number | null;
  tracksLinks: boolean;
  destinationUrl: string;
  cookieWindowDays: number;
  utm: Record<string, string>;
  deepLinks: DeepLinkSettings;
  codeAppend: CodeAppendSettings;
  memberId: string | null;
  member: { name: string; instagram: string | null; tiktok: string | null; project: string | null } | null;
  code: string | null;
  /** The offer's first-party host (docs/first-party.md): a forwarded request naming it gets a host-only cookie. */
  firstParty: { host: string; hostname: string } | null;
  /**
   * The redirect target, built once per link: split around the click id (join with it per click), and without one
   * for untracked requests. Null when the stored destination cannot be built; the redirect then builds it per request.
   */
  location: { tracked: string[]; untracked: string } | null;
}

/** A base62 stand-in for the click id: encoding leaves it untouched wherever macros or parameters put it. */
const CLICK_ID_SENTINEL = 'Zq7TpClickIdSentinel0000000Zq';

export function templateVars(link: Omit<TrackedLink, 'location'>, clickId: string | null): TemplateVars {
  return {
    creatorName: link.member?.name ?? null,
    creatorIgUsername: link.member?.instagram ?? null,
    creatorTiktokUsername: link.member?.tiktok ?? null,
    memberId: link.memberId,
    projectName: link.member?.project ?? null,
    offerName: link.offerName,
    offerId: link.offerId,
    clickId,
  };
}

/** The destination for one click; `url` is the link's deep link, the offer URL, or a visitor's checked ?to= target. */
export function destinationFor(link: Omit<TrackedLink, 'location'>, url: string, clickId: string | null): string {
  return buildDestination({
    url,
    utm: link.utm,
    vars: templateVars(link, clickId),
    appendCode: { mode: link.codeAppend.mode, param: link.codeAppend.param, code: link.code },
  });
}

function fromRow(r: TrackedLinkRow): TrackedLink {
  const link = {
    linkId: r.link_id,
    slug: r.slug,
    linkActive: r.link_status === 'active',
    deepLinkUrl: r.deep_link_url,
    workspaceId: r.workspace_id,
    clickTag: r.click_tag,
    ipHashKey: r.ip_hash_key,
    offerId: r.offer_id,
    offerName: r.offer_name,
    offerActive: r.offer_status === 'active',
    endsAt: r.ends_at,
    tracksLinks: (JSON.parse(r.tracking_methods) as string[]).includes('link'),
    destinationUrl: r.destination_url,
    cookieWindowDays: r.cookie_window_days,
    utm: JSON.parse(r.utm) as Record<string, string>,
    deepLinks: JSON.parse(r.deep_links) as DeepLinkSettings,
    codeAppend: JSON.parse(r.code_append) as CodeAppendSettings,
    memberId: r.member_id,
    member: r.member_id
      ? { name: r.member_name ?? '', instagram: r.instagram, tiktok: r.tiktok, project: r.project }
      : null,
    code: r.code,
    firstParty: firstPartyHosts(r.tracking_origin),
  };
  const url = link.deepLinkUrl ?? link.destinationUrl;
  let location: TrackedLink['location'];
  try {
    location = {
      tracked: destinationFor(link, url, CLICK_ID_SENTINEL).split(CLICK_ID_SENTINEL),
      untracked: destinationFor(link, url, null),
    };
  } catch {
    location = null;
  }
  return { ...link, location };
}

/** Unknown slugs are remembered briefly, so a scanner cannot turn every 404 into a query. */
const MISS_TTL_MS = 5_000;

/** A cached link and the generation of the cache when the read that produced it began. */
interface Entry {
  link: TrackedLink;
  readAt: number;
}

/**
 * Slug -> link. Reads race with changes: a miss, a warm-up or a reload can read a link before an admin change commits
 * and finish after the change's own reload stored the new state. Every reload of a change starts a new generation,
 * and every read remembers the generation it began in: a read stores only an entry no newer read has stored, and a
 * miss or warm-up that began before a reload started stores nothing (what it read may be what the reload replaced or
 * removed; the next request reads again).
 */
export class LinkCache {
  private readonly bySlug = new Map<string, Entry>();
  private readonly misses = new Map<string, number>();
  private generation = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly maxEntries = 500_000,
  ) {}

  get size(): number {
    return this.bySlug.size;
  }

  async warm(limit = 200_000): Promise<number> {
    const readAt = this.generation;
    const rows = await recentTrackedLinks(this.db, Math.min(limit, this.maxEntries));
    if (readAt !== this.generation) return 0;
    for (const r of rows.reverse()) this.put(fromRow(r), readAt);
    return rows.length;
  }

  /** The cached link or undefined, without touching the database. */
  peek(slug: string): TrackedLink | undefined {
    return this.bySlug.get(slug.toLowerCase())?.link;
  }

  /** The cached link, or a promise of it on a miss (null for an unknown slug). Throws when the database is unreachable. */
  get(slug: string): TrackedLink | Promise<TrackedLink | null> {
    const key = slug.toLowerCase();
    const hit = this.bySlug.get(key);
    if (hit) return hit.link;
    return this.load(key);
  }

  private async load(key: string): Promise<TrackedLink | null> {
    const missedAt = this.misses.get(key);
    if (missedAt !== undefined && Date.now() - missedAt < MISS_TTL_MS) return null;
    const readAt = this.generation;
    const row = await findTrackedLinkBySlug(this.db, key);
    // A change was reloaded meanwhile: this request uses what it read, the cache does not keep it.
    const current = readAt === this.generation;
    if (!row) {
      if (current) {
        if (this.misses.size > 10_000) this.misses.clear();
        this.misses.set(key, Date.now());
      }
      return null;
    }
    const link = fromRow(row);
    if (current) this.put(link, readAt);
    return link;
  }

  /** Stores the link unless a read that began later already stored it. */
  private put(link: TrackedLink, readAt: number): void {
    const key = link.slug.toLowerCase();
    const stored = this.bySlug.get(key);
    if (stored && stored.readAt > readAt) return;
    this.bySlug.delete(key);
    this.bySlug.set(key, { link, readAt });
    this.misses.delete(key);
    if (this.bySlug.size > this.maxEntries) this.bySlug.delete(this.bySlug.keys().next().value!);
  }

  /** Reloads what a change touched; a new link is loaded too, so it works on its first click. */
  async refresh(change: TrackingChange): Promise<void> {
    const readAt = ++this.generation;
    const where =
      change.kind === 'link'
        ? { linkId: change.id }
        : change.kind === 'offer'
          ? { offerId: change.id }
          : { memberId: change.id };
    const rows = await findTrackedLinks(this.db, where);
    const fresh = new Set(rows.map((r) => r.link_id));
    // Links that no longer exist (a deleted member's) leave the cache, unless a later read stored them.
    for (const [key, { link, readAt: storedAt }] of this.bySlug) {
      const touched =
        change.kind === 'link'
          ? link.linkId === change.id
          : change.kind === 'offer'
            ? link.offerId === change.id
            : link.memberId === change.id;
      if (touched && !fresh.has(link.linkId) && storedAt <= readAt) this.bySlug.delete(key);
    }
    for (const r of rows) this.put(fromRow(r), readAt);
  }
}
