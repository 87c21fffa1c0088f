import { describe, expect, it } from 'vitest';
import { attributionCoverage, type CoverageOrder } from './attribution-coverage.js';

const safari = { family: 'Safari', inApp: false };
const insta = { family: 'Instagram in-app', inApp: true };

describe('attribution coverage', () => {
  it('counts each order once under its evidence, by path, with the share that had a click', () => {
    const orders: CoverageOrder[] = [
      { source: 'shopify', click: true, code: true, browser: safari },
      { source: 'shopify', click: false, code: true, browser: null },
      { source: 'shopify', click: false, code: false, browser: null },
      { source: 'tag', click: true, code: false, browser: insta },
    ];
    const c = attributionCoverage(orders, []);
    expect(c.totals).toEqual({ orders: 4, clickOnly: 1, codeOnly: 1, both: 1, neither: 1, clickShare: '0.5000' });
    expect(c.bySource.map((s) => [s.source, s.orders, s.clickShare])).toEqual([
      ['shopify', 3, '0.3333'],
      ['tag', 1, '1.0000'],
    ]);
  });

  it('sets clicks per browser beside the orders that came back with them, in-app browsers last', () => {
    const c = attributionCoverage(
      [
        { source: 'postback', click: true, code: false, browser: safari },
        { source: 'postback', click: true, code: false, browser: insta },
      ],
      [
        { ...insta, clicks: 40 },
        { ...safari, clicks: 10 },
        { ...safari, clicks: 10 },
        { family: 'Chrome', inApp: false, clicks: 5 },
      ],
    );
    expect(c.byBrowser).toEqual([
      { family: 'Safari', inApp: false, clicks: 20, orders: 1, orderRate: '0.0500' },
      { family: 'Chrome', inApp: false, clicks: 5, orders: 0, orderRate: '0.0000' },
      { family: 'Instagram in-app', inApp: true, clicks: 40, orders: 1, orderRate: '0.0250' },
    ]);
  });

  it('has no share without orders and no rate without clicks', () => {
    const c = attributionCoverage([{ source: 'tag', click: true, code: false, browser: safari }], []);
    expect(attributionCoverage([], []).totals.clickShare).toBeNull();
    expect(c.byBrowser).toEqual([{ family: 'Safari', inApp: false, clicks: 0, orders: 1, orderRate: null }]);
  });
});
