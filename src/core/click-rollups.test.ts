import { describe, expect, it } from 'vitest';
import {
  admitSubIds,
  CLICK_MEASURES,
  CLICK_TIERS,
  clickTierColumns,
  sourceTier,
  SUB_ID_CAP,
  SUB_ID_OTHER,
} from './click-rollups.js';

describe('the click rollup tiers', () => {
  it('start from the clicks with the per-link day, then sum tiers listed before them', () => {
    expect(CLICK_TIERS[0]).toMatchObject({ table: 'rollup_clicks', time: 'day', from: null, key: ['link_id'] });
    CLICK_TIERS.slice(1).forEach((tier, i) => {
      const source = CLICK_TIERS.findIndex((t) => t.table === tier.from);
      expect(source, tier.table).toBeGreaterThanOrEqual(0);
      expect(source, tier.table).toBeLessThanOrEqual(i);
      expect(sourceTier(tier)).toBe(CLICK_TIERS[source]);
    });
  });

  it('keep only what their source has, and never turn periods back into days', () => {
    for (const tier of CLICK_TIERS.slice(1)) {
      const source = sourceTier(tier);
      for (const c of [...tier.key, ...tier.carried])
        expect([...source.key, ...source.carried], `${tier.table}.${c}`).toContain(c);
      expect(source.time === 'period' && tier.time === 'day', tier.table).toBe(false);
    }
  });

  it('are each per link, per member or per offer, by day or by week and month', () => {
    expect(CLICK_TIERS.map((t) => [t.table, t.time, t.key.join('+')])).toEqual([
      ['rollup_clicks', 'day', 'link_id'],
      ['rollup_clicks_period', 'period', 'link_id'],
      ['rollup_clicks_member_period', 'period', 'offer_id+member_id'],
      ['rollup_clicks_offer_day', 'day', 'offer_id'],
    ]);
  });

  it('list their columns as the writers give them: workspace, time, key, carried, measures', () => {
    expect(clickTierColumns(CLICK_TIERS[0]!)).toEqual([
      'workspace_id',
      'day',
      'link_id',
      'offer_id',
      'member_id',
      'clicks',
      'unique_clicks',
    ]);
    expect(clickTierColumns(CLICK_TIERS[2]!)).toEqual([
      'workspace_id',
      'period',
      'offer_id',
      'member_id',
      ...CLICK_MEASURES,
    ]);
  });
});

describe('admitSubIds', () => {
  it('admits new values in sorted order up to the room left, never "" or the "(other)" key', () => {
    expect(admitSubIds(['b', 'a', 'c', 'a', '', SUB_ID_OTHER], 2)).toEqual(['a', 'b']);
    expect(admitSubIds(['b', 'a'], 5)).toEqual(['a', 'b']);
    expect(admitSubIds(['a'], 0)).toEqual([]);
    expect(admitSubIds(['a'], -3)).toEqual([]);
  });
  it('keeps a cap a link is documented with', () => {
    expect(SUB_ID_CAP).toBe(500);
    expect(SUB_ID_OTHER.length).toBeGreaterThan(0);
  });
});
