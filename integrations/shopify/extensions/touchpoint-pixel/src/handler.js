// What the Touchpoint web pixel does with Shopify's `checkout_completed` event, as plain functions: src/index.js
// hands them the event and the sandbox's `browser` and `settings` (from `register`), and the tests call them with the
// documented event shape and a real HTTP server, without Shopify's package.
//
// The conversion goes to `POST <trackingOrigin>/collect?offer=<offerId>` as Touchpoint's t.js sends it: a JSON body
// as text/plain (a CORS "simple" request, never preflighted) with offer, orderId, amount, currency, code and click.
// It is browser-reported evidence; Shopify's order webhook for the same order is server evidence and decides.

const CLICK_ID = /^[\w-]{8,64}$/;
/** The cart attribute the app embed writes (and `_tp_click`, hidden from the buyer, for themes that prefer it). */
const CLICK_ATTRIBUTES = ['tp_click', '_tp_click'];
/** What the app embed and t.js keep in the shop's localStorage: {id, e: expiry in epoch ms}. */
const STORED_CLICK = 'touchpoint.click';
/** Shopify's test payment gateway: its orders reach the webhook with `test: true`. */
const TEST_GATEWAY = 'bogus';

/**
 * The order id as Shopify's order webhook writes it (`id`, digits), which is what Touchpoint records the order under:
 * the pixel's `checkout.order.id` is those digits, or on some shops a GID ("gid://shopify/OrderIdentity/5210499102",
 * "gid://shopify/Order/5210499102"), whose last segment is the same number. Never the order's `name` ("#1001").
 * @param {unknown} id
 * @returns {string | null}
 */
export function orderIdOf(id) {
  if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) return String(id);
  if (typeof id !== 'string') return null;
  const m = /^(?:gid:\/\/shopify\/[A-Za-z]+\/)?([1-9]\d{0,29})(?:\?.*)?$/.exec(id.trim());
  return m ? m[1] : null;
}

/**
 * A MoneyV2 amount (a JSON number in the pixel's events) as a decimal string: "49.9", "1500". Binary noise such as
 * 19.990000000000002 is rounded away at 3 decimals (the finest ISO 4217 currencies use); Touchpoint then checks the
 * digits against the currency.
 * @param {unknown} amount
 * @returns {string | undefined}
 */
export function decimalOf(amount) {
  if (typeof amount === 'string' && /^\d+(\.\d+)?$/.test(amount)) return amount;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0 || amount >= 1e15) return undefined;
  return String(Number(amount.toFixed(3)));
}

/**
 * The discount codes the buyer entered: discount applications of type DISCOUNT_CODE, whose title is the code.
 * @param {any} checkout
 * @returns {string[]}
 */
export function discountCodesOf(checkout) {
  const applications = Array.isArray(checkout?.discountApplications) ? checkout.discountApplications : [];
  return applications
    .filter((a) => a && a.type === 'DISCOUNT_CODE' && typeof a.title === 'string' && a.title.trim())
    .map((a) => a.title.trim());
}

/**
 * The click id: the checkout's `tp_click` attribute (the cart attribute the app embed wrote), else what the shop's
 * domain remembers (the first-party cookie, then localStorage), read through the sandbox's `browser` API.
 * @param {any} checkout
 * @param {any} browser
 * @returns {Promise<string | undefined>}
 */
export async function clickIdOf(checkout, browser) {
  const attributes = Array.isArray(checkout?.attributes) ? checkout.attributes : [];
  for (const name of CLICK_ATTRIBUTES) {
    const value = attributes.find((a) => a && a.key === name)?.value;
    if (typeof value === 'string' && CLICK_ID.test(value)) return value;
  }
  try {
    const cookie = await browser?.cookie?.get('tp_click');
    if (typeof cookie === 'string' && CLICK_ID.test(cookie)) return cookie;
  } catch {
    // The cookie cannot be read here: try localStorage.
  }
  try {
    const stored = JSON.parse((await browser?.localStorage?.getItem(STORED_CLICK)) ?? 'null');
    if (stored && stored.e > Date.now() && typeof stored.id === 'string' && CLICK_ID.test(stored.id)) return stored.id;
  } catch {
    // Nothing stored, or not ours.
  }
  return undefined;
}

/**
 * The /collect request for a `checkout_completed` event, or null when the pixel is not configured or the event has
 * no order (it always has one on checkout_completed; a checkout without an order is not a sale).
 * @param {any} event the `checkout_completed` event as Shopify documents it ({name, data: {checkout}, …})
 * @param {any} browser the sandbox's `browser` (cookie, localStorage)
 * @param {{trackingOrigin?: string, offerId?: string}} settings the pixel's settings
 * @returns {Promise<{url: string, body: string} | null>}
 */
export async function collectRequestOf(event, browser, settings) {
  const origin = String(settings?.trackingOrigin ?? '')
    .trim()
    .replace(/\/+$/, '');
  const offer = String(settings?.offerId ?? '').trim();
  if (!/^https?:\/\/[^/?#]+$/.test(origin) || !/^off_[0-9a-z]{26}$/.test(offer)) return null;
  const checkout = event?.data?.checkout;
  const orderId = orderIdOf(checkout?.order?.id);
  if (!checkout || !orderId) return null;
  const transactions = Array.isArray(checkout.transactions) ? checkout.transactions : [];
  const body = {
    offer,
    orderId,
    amount: decimalOf(checkout.totalPrice?.amount),
    currency: checkout.currencyCode || checkout.totalPrice?.currencyCode || undefined,
    code: discountCodesOf(checkout)[0],
    click: await clickIdOf(checkout, browser),
    test: transactions.some((t) => t && t.gateway === TEST_GATEWAY) ? true : undefined,
  };
  return { url: `${origin}/collect?offer=${encodeURIComponent(offer)}`, body: JSON.stringify(body) };
}

/**
 * Sends the checkout's conversion to Touchpoint. `fetch` (the sandbox's own, with keepalive, as Shopify recommends)
 * in no-cors mode: the pixel's sandbox has an opaque origin, so the answer could not be read anyway, and a text/plain
 * POST needs no permission to be sent. When fetch is missing or fails, `browser.sendBeacon` (sent from the page).
 * Resolves to how it was sent: 'fetch', 'beacon', or null (not configured, or nothing could send it). Never rejects.
 * @param {any} event
 * @param {{browser?: any, settings?: any, fetch?: typeof globalThis.fetch}} api
 * @returns {Promise<'fetch' | 'beacon' | null>}
 */
export async function reportCheckoutCompleted(event, { browser, settings, fetch } = {}) {
  try {
    const request = await collectRequestOf(event, browser, settings);
    if (!request) return null;
    if (typeof fetch === 'function') {
      try {
        await fetch(request.url, { method: 'POST', body: request.body, keepalive: true, mode: 'no-cors' });
        return 'fetch';
      } catch {
        // A network error: the beacon below is the second chance.
      }
    }
    if (typeof browser?.sendBeacon === 'function' && (await browser.sendBeacon(request.url, request.body)))
      return 'beacon';
    return null;
  } catch {
    return null;
  }
}
