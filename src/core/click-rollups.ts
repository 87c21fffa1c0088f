// The click rollup tiers (ADR 0006): which rollup rows a counted click adds to. Read by both click writers (the
// SQLite worker sums in JavaScript, PostgreSQL in one statement) and by a rebuild's coarse tiers, so a tier is added
// or changed here once.

/** What every click tier sums. */
export const CLICK_MEASURES = ['clicks', 'unique_clicks'] as const;

export interface ClickTier {
  readonly table: string;
  /** Its time column: the local day, or the periods of that day (its week and its month: core/time-buckets periodsOfDay). */
  readonly time: 'day' | 'period';
  /** The tier whose rows it sums; null for the first, which counts the clicks themselves (tracked, not a bot's). */
  readonly from: string | null;
  /** What a row is per, after the workspace and the time: its key. */
  readonly key: readonly string[];
  /** Columns that follow from the key (a link's offer and member), kept from any of the rows summed. */
  readonly carried: readonly string[];
}

/** Each tier after the one it sums. The first is per link and day; its member is '' for a generic link. */
export const CLICK_TIERS: readonly ClickTier[] = [
  { table: 'rollup_clicks', time: 'day', from: null, key: ['link_id'], carried: ['offer_id', 'member_id'] },
  {
    table: 'rollup_clicks_period',
    time: 'period',
    from: 'rollup_clicks',
    key: ['link_id'],
    carried: ['offer_id', 'member_id'],
  },
  {
    table: 'rollup_clicks_member_period',
    time: 'period',
    from: 'rollup_clicks_period',
    key: ['offer_id', 'member_id'],
    carried: [],
  },
  { table: 'rollup_clicks_offer_day', time: 'day', from: 'rollup_clicks', key: ['offer_id'], carried: [] },
];

/** A tier's columns in the order the writers give them: workspace, time, key, carried, measures. */
export function clickTierColumns(tier: ClickTier): string[] {
  return ['workspace_id', tier.time, ...tier.key, ...tier.carried, ...CLICK_MEASURES];
}

/** The tier a tier sums (the first tier for the first). */
export function sourceTier(tier: ClickTier): ClickTier {
  return CLICK_TIERS.find((t) => t.table === tier.from) ?? CLICK_TIERS[0]!;
}

/**
 * Sub-id rollups (ADR 0006, "Sub-ids"): clicks and credit lines per day, link and sub-id (sub1). Sub-ids are free
 * text, so each link admits at most SUB_ID_CAP distinct values; a value first seen once its link has that many is
 * counted under SUB_ID_OTHER, for good (a value's row is decided once, when first seen, and never changes until a
 * rebuild decides again). No sub-id ('') is always its own row and takes no place under the cap.
 */
export const SUB_ID_CAP = 500;

/**
 * The sub-id row that holds a capped link's further values. Its key starts with a control character (U+001F), which no
 * sub-id a marketer tags a link with contains, and which the redirect strips from sub-ids; a click that carried exactly
 * this text (written before that, or by other means) is counted there too (it is never admitted), so raw rows and
 * rollups still agree on its row.
 */
export const SUB_ID_OTHER = '\u001f(other)';

/**
 * The rows a link's new sub-ids land in: `admitted` values already have theirs; of the others (sorted, so every writer
 * decides alike), the first `room` are admitted, the rest go to SUB_ID_OTHER. Returns the values admitted now.
 */
export function admitSubIds(candidates: readonly string[], room: number): string[] {
  const fresh = [...new Set(candidates)].filter((v) => v !== '' && v !== SUB_ID_OTHER).sort();
  return fresh.slice(0, Math.max(0, room));
}
