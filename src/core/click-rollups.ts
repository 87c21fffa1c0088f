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
