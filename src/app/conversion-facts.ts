// What attribution and commission need to know about offers, codes, payout options, exchange rates and webhook
// endpoints, read inside the order's transaction: straight from the database, or from a per-workspace cache that
// every settings change empties before the admin API answers (and, through LISTEN/NOTIFY, on other instances).
import type { Kysely, Transaction } from 'kysely';
import type { OfferTracking } from '../core/attribution.js';
import type { TrackingChange } from '../core/tracking-change.js';
import type { Payout } from '../core/commission.js';
import { findCodeForAttribution } from '../db/conversions.js';
import type { Database } from '../db/schema.js';
import type { Workspace } from '../db/workspaces.js';
import { activeWebhookEndpoints, type WebhookEndpoint } from '../db/webhooks.js';
import { fxRate } from '../db/fx-rates.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface OfferFacts {
  name: string;
  tracking: OfferTracking;
  currency: string;
  holdDays: number;
  /** SPEC §4: a browser-reported code without a recorded click credits only where the offer allows it. */
  browserCodeCredit: boolean;
  /** A browser-reported amount above this (offer currency) is held for review; null: no limit. */
  browserAmountLimitMinor: number | null;
  /** The offer's version: when its settings last changed. */
  updatedAt: number;
}

export interface CodeFacts {
  id: string;
  code: string;
  offer_id: string;
  member_id: string | null;
  status: 'active' | 'disabled';
}

export interface PayoutFacts {
  id: string;
  title: string;
  payout: Payout;
}

/** One workspace's settings as a conversion sees them; every method reads through the given transaction on a miss. */
export interface ConversionFacts {
  offers(db: Db, offerIds: (string | null | undefined)[]): Promise<Record<string, OfferFacts>>;
  /** The active code with this (normalized) string, else the newest disabled one, else undefined. */
  code(db: Db, code: string): Promise<CodeFacts | undefined>;
  payout(db: Db, offerId: string, memberId: string): Promise<PayoutFacts>;
  fxRate(db: Db, from: string, to: string): Promise<string | null>;
  webhookEndpoints(db: Db): Promise<WebhookEndpoint[]>;
}

export async function loadOfferTracking(
  db: Db,
  workspaceId: string,
  offerIds: (string | null | undefined)[],
): Promise<Record<string, OfferFacts>> {
  const ids = [...new Set(offerIds.filter((id): id is string => !!id))];
  if (!ids.length) return {};
  const rows = await db
    .selectFrom('offers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .execute();
  const out: Record<string, OfferFacts> = {};
  for (const o of rows) {
    const methods = JSON.parse(o.tracking_methods) as string[];
    out[o.id] = {
      tracking: {
        status: o.status,
        endsAt: o.ends_at,
        cookieWindowDays: o.cookie_window_days,
        attributionRule: o.attribution_rule,
        splitCodeShareBps: o.split_code_share_bps,
        tracksLinks: methods.includes('link'),
        tracksCodes: methods.includes('code'),
      },
      name: o.name,
      currency: o.currency,
      holdDays: o.hold_days,
      browserCodeCredit: o.browser_code_credit === 1,
      browserAmountLimitMinor: o.browser_amount_limit_minor === null ? null : Number(o.browser_amount_limit_minor),
      updatedAt: o.updated_at,
    };
  }
  return out;
}

/** The member's payout option on the offer, or the offer's default when the member is no longer on it. */
export async function payoutFor(db: Db, workspaceId: string, offerId: string, memberId: string): Promise<PayoutFacts> {
  const assigned = await db
    .selectFrom('offer_members')
    .select('payout_option_id')
    .where('workspace_id', '=', workspaceId)
    .where('offer_id', '=', offerId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  let q = db
    .selectFrom('payout_options')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('offer_id', '=', offerId);
  q = assigned
    ? q.where('id', '=', assigned.payout_option_id)
    : q.where('is_default', '=', 1).where('archived_at', 'is', null);
  const p = await q.executeTakeFirstOrThrow();
  return {
    id: p.id,
    title: p.title,
    payout: { type: p.type, value: p.value, tiers: JSON.parse(p.tiers) as Payout['tiers'] },
  };
}

/** Every read goes to the database: for callers without a cache (the CLI, scripts). */
export function uncachedFacts(workspaceId: string): ConversionFacts {
  return {
    offers: (db, ids) => loadOfferTracking(db, workspaceId, ids),
    code: (db, code) => findCodeForAttribution(db, workspaceId, code),
    payout: (db, offerId, memberId) => payoutFor(db, workspaceId, offerId, memberId),
    fxRate: (db, from, to) => fxRate(db, workspaceId, from, to),
    webhookEndpoints: (db) => activeWebhookEndpoints(db, workspaceId),
  };
}

/** What one workspace's cache holds; replaced whole on a change, so a read that was in flight fills a discarded one. */
class WorkspaceEntry {
  readonly offers = new Map<string, OfferFacts | null>();
  readonly codes = new Map<string, CodeFacts | null>();
  readonly payouts = new Map<string, PayoutFacts>();
  readonly rates = new Map<string, string | null>();
  endpoints: WebhookEndpoint[] | null = null;
  constructor(readonly loadedAt: number) {}
}

const SECRET_TTL_MS = 5_000;

/** Each map of an entry holds at most this many values; past it, the map starts over. */
const MAX_PER_MAP = 50_000;

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= MAX_PER_MAP) map.clear();
  map.set(key, value);
  return value;
}

/**
 * Conversion settings in memory, per workspace. Correctness never rests on it alone: the settings are re-read after
 * any change made through the admin API or a use case (`invalidate*`, awaited before the answer), after a lost
 * LISTEN connection (`clear`), and at the latest `maxAgeMs` after they were read, which bounds what a change made
 * outside this process and its peers (a script writing to the database) can miss. One order paying once is a unique
 * index, never this cache.
 */
export class ConversionFactsCache {
  private readonly entries = new Map<string, WorkspaceEntry>();
  /** Postbacks repeat one secret thousands of times: the workspace it names, read at most every few seconds. */
  private readonly secrets = new Map<string, { workspace: Workspace; at: number }>();
  private secretsGeneration = 0;
  /** Which workspace an offer or a member belongs to, for changes that name only the offer or the member. */
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly maxAgeMs = 30_000,
    private readonly maxWorkspaces = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  forWorkspace(workspaceId: string): ConversionFacts {
    let e = this.entries.get(workspaceId);
    const now = this.now();
    if (!e || now - e.loadedAt > this.maxAgeMs) {
      if (!e && this.entries.size >= this.maxWorkspaces) this.clear();
      e = new WorkspaceEntry(now);
      this.entries.set(workspaceId, e);
    }
    return this.facts(workspaceId, e);
  }

  /** A change the tracking cache is told of (an offer, a link, a member): the workspace it touches reads again. */
  invalidate(change: TrackingChange): void {
    // A link holds nothing a conversion reads from here: a click is judged by what it was when clicked.
    if (change.kind === 'link') return;
    const workspaceId = this.owners.get(change.id);
    // Unknown: nothing of it is cached, except perhaps "no such code" for a code just created for it.
    if (workspaceId === undefined) this.clear();
    else this.invalidateWorkspace(workspaceId);
  }

  invalidateWorkspace(workspaceId: string): void {
    this.entries.delete(workspaceId);
    this.secretsGeneration++;
    for (const [secret, hit] of this.secrets) if (hit.workspace.id === workspaceId) this.secrets.delete(secret);
  }

  clear(): void {
    this.entries.clear();
    this.owners.clear();
    this.secrets.clear();
    this.secretsGeneration++;
  }

  /** The workspace whose postback secret this is, read again after SECRET_TTL_MS or a change to the workspace. */
  async workspaceBySecret(
    secret: string,
    load: (secret: string) => Promise<Workspace | undefined>,
  ): Promise<Workspace | undefined> {
    const hit = this.secrets.get(secret);
    if (hit && this.now() - hit.at < SECRET_TTL_MS) return hit.workspace;
    const at = this.now();
    const generation = this.secretsGeneration;
    const workspace = await load(secret);
    // A change that arrived while it was read may not be in it: used once, not kept.
    if (generation !== this.secretsGeneration) return workspace;
    if (this.secrets.size >= 1_000) this.secrets.clear();
    // An unknown secret is not remembered: whoever guesses secrets gets a query each time, never a cached yes.
    if (workspace) this.secrets.set(secret, { workspace, at });
    else this.secrets.delete(secret);
    return workspace;
  }

  private own(id: string, workspaceId: string): void {
    if (this.owners.size >= MAX_PER_MAP * 4) this.owners.clear();
    this.owners.set(id, workspaceId);
  }

  private facts(workspaceId: string, e: WorkspaceEntry): ConversionFacts {
    return {
      offers: async (db, offerIds) => {
        const out: Record<string, OfferFacts> = {};
        const missing: string[] = [];
        for (const id of offerIds) {
          if (!id) continue;
          const hit = e.offers.get(id);
          if (hit) out[id] = hit;
          else if (hit === undefined) missing.push(id);
        }
        if (!missing.length) return out;
        const loaded = await loadOfferTracking(db, workspaceId, missing);
        for (const id of missing) {
          const f = loaded[id] ?? null;
          remember(e.offers, id, f);
          if (f) {
            out[id] = f;
            this.own(id, workspaceId);
          }
        }
        return out;
      },
      code: async (db, code) => {
        const hit = e.codes.get(code);
        if (hit !== undefined) return hit ?? undefined;
        const row = await findCodeForAttribution(db, workspaceId, code);
        if (row) {
          this.own(row.offer_id, workspaceId);
          if (row.member_id) this.own(row.member_id, workspaceId);
        }
        return remember(e.codes, code, row ?? null) ?? undefined;
      },
      payout: async (db, offerId, memberId) => {
        const key = `${offerId}/${memberId}`;
        const hit = e.payouts.get(key);
        if (hit) return hit;
        const p = await payoutFor(db, workspaceId, offerId, memberId);
        this.own(offerId, workspaceId);
        this.own(memberId, workspaceId);
        return remember(e.payouts, key, p);
      },
      fxRate: async (db, from, to) => {
        const key = `${from}/${to}`;
        const hit = e.rates.get(key);
        if (hit !== undefined) return hit;
        return remember(e.rates, key, await fxRate(db, workspaceId, from, to));
      },
      webhookEndpoints: async (db) => (e.endpoints ??= await activeWebhookEndpoints(db, workspaceId)),
    };
  }
}
