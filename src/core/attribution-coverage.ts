// Attribution coverage: of the orders a brand received, how many carried click evidence, code evidence, both or
// neither, by the path they arrived on and by the browser the shopper clicked in. An order with neither could not be
// credited to anyone; a path or a browser with a low click share is where click ids are being lost (Safari's cookie
// caps, in-app browsers, a checkout that drops the landing page). Pure: the rows come from db/coverage.ts.
import { ratio } from './report-metrics.js';

/** One order as the report sees it. */
export interface CoverageOrder {
  /** The path of the event that created it (postback, shopify, woocommerce, tag, pixel…). */
  source: string;
  /** It named a click that the server recorded. */
  click: boolean;
  /** It carried a promo code. */
  code: boolean;
  /** The browser of its click; null without one. */
  browser: { family: string; inApp: boolean } | null;
}

export interface CoverageCounts {
  orders: number;
  clickOnly: number;
  codeOnly: number;
  both: number;
  neither: number;
  /** Orders with click evidence (alone or with a code), over all orders, as the reports' ratios ("0.6667"); null without orders. */
  clickShare: string | null;
}

export interface Coverage {
  totals: CoverageCounts;
  bySource: (CoverageCounts & { source: string })[];
  /**
   * Per browser family: the clicks made in it and the orders that came back with one of those clicks. A family whose
   * clicks turn into orders far less often than the others' is where the click id is lost on the way to checkout.
   */
  byBrowser: BrowserCoverage[];
}

export interface BrowserCoverage {
  family: string;
  inApp: boolean;
  clicks: number;
  /** Orders that named a click made in this browser. */
  orders: number;
  /** orders / clicks, as the reports' ratios; null without clicks. */
  orderRate: string | null;
}

/** Clicks made in one browser family (db/coverage.ts reads them per user agent; browserFamily groups them). */
export interface BrowserClicks {
  family: string;
  inApp: boolean;
  clicks: number;
}

const empty = (): CoverageCounts => ({ orders: 0, clickOnly: 0, codeOnly: 0, both: 0, neither: 0, clickShare: null });

function add(c: CoverageCounts, o: CoverageOrder): void {
  c.orders++;
  if (o.click && o.code) c.both++;
  else if (o.click) c.clickOnly++;
  else if (o.code) c.codeOnly++;
  else c.neither++;
}

const withShare = <T extends CoverageCounts>(c: T): T => ({
  ...c,
  clickShare: ratio(c.clickOnly + c.both, c.orders),
});

export function attributionCoverage(orders: Iterable<CoverageOrder>, clicks: Iterable<BrowserClicks>): Coverage {
  const totals = empty();
  const sources = new Map<string, CoverageCounts & { source: string }>();
  const browsers = new Map<string, BrowserCoverage>();
  const browser = (b: { family: string; inApp: boolean }) => {
    let found = browsers.get(b.family);
    if (!found)
      browsers.set(b.family, (found = { family: b.family, inApp: b.inApp, clicks: 0, orders: 0, orderRate: null }));
    return found;
  };
  for (const c of clicks) browser(c).clicks += c.clicks;
  for (const o of orders) {
    add(totals, o);
    let s = sources.get(o.source);
    if (!s) sources.set(o.source, (s = { source: o.source, ...empty() }));
    add(s, o);
    if (o.browser) browser(o.browser).orders++;
  }
  const byOrders = (a: CoverageCounts, b: CoverageCounts) => b.orders - a.orders;
  return {
    totals: withShare(totals),
    bySource: [...sources.values()].map(withShare).sort((a, b) => byOrders(a, b) || a.source.localeCompare(b.source)),
    byBrowser: [...browsers.values()]
      .map((b) => ({ ...b, orderRate: ratio(b.orders, b.clicks) }))
      .sort((a, b) => Number(a.inApp) - Number(b.inApp) || b.clicks - a.clicks || a.family.localeCompare(b.family)),
  };
}
