// UTM values and destination URLs carry macros (`{creator_name}`, `{click_id}`…) filled per click (SPEC §2).
// Values are creator-controlled text, so they are encoded at exactly one place: where they enter the URL.

export interface TemplateVars {
  creatorName: string | null;
  creatorIgUsername: string | null;
  creatorTiktokUsername: string | null;
  memberId: string | null;
  projectName: string | null;
  offerName: string;
  offerId: string;
  clickId: string | null;
}

// One macro set for UTM values and destination URLs alike: `utm_content={click_id}` and
// `?ref={creator_name}` are both things a brand reasonably asks for.
const MACROS: Readonly<Record<string, (v: TemplateVars) => string | null>> = {
  creator_name: (v) => v.creatorName,
  creator_ig_username: (v) => v.creatorIgUsername,
  creator_tiktok_username: (v) => v.creatorTiktokUsername,
  member_id: (v) => v.memberId,
  project_name: (v) => v.projectName,
  link_offer_name: (v) => v.offerName,
  click_id: (v) => v.clickId,
  transaction_id: (v) => v.clickId, // TUNE/HasOffers name for the click id
  aff_id: (v) => v.memberId, // network name for the affiliate
  offer_id: (v) => v.offerId,
};

export const TEMPLATE_MAX = 500;

export type TemplateProblem = 'template_unknown_macro' | 'template_too_long';

// `{word}`, or its percent-encoded form: a destination that went through a URL parser before it was
// stored has `%7Bclick_id%7D` in its path.
const MACRO_RE = /(?:\{|%7B)(\w+)(?:\}|%7D)/gi;

function isKnown(name: string): boolean {
  return Object.hasOwn(MACROS, name);
}

/** Null when every `{word}` is a known macro (names are case-sensitive) and the template fits. */
export function checkTemplate(template: string): TemplateProblem | null {
  if (template.length > TEMPLATE_MAX) return 'template_too_long';
  for (const m of template.matchAll(MACRO_RE)) if (!isKnown(m[1]!)) return 'template_unknown_macro';
  return null;
}

/** A lone surrogate (text cut mid-emoji upstream) cannot be URL-encoded; it becomes U+FFFD as it would in a URL. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function render(template: string, vars: TemplateVars, encode: (s: string) => string): string {
  return template.replace(MACRO_RE, (all, name: string) => {
    // Unknown `{word}` stays as written: checkTemplate refuses it on save, and text such as a
    // literal "{2024}" in an old destination must not silently vanish.
    if (!isKnown(name)) return all;
    return encode(wellFormed(MACROS[name]!(vars) ?? ''));
  });
}

/** Macros replaced by their plain-text values (missing value: empty string). No encoding. */
export function renderTemplate(template: string, vars: TemplateVars): string {
  return render(template, vars, (s) => s);
}

/** Form-style decoding of a query key, for comparison only; malformed escapes compare as written. */
function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * Sets query parameters, keeping every other pair exactly as written (URLSearchParams would re-serialize
 * them, turning `%20` into `+` and breaking destinations that sign or match their query string).
 * The first pair with a replaced name keeps its position; later duplicates are dropped.
 */
function setParams(url: URL, entries: ReadonlyArray<readonly [string, string]>): void {
  if (entries.length === 0) return;
  // A later entry with the same name wins (the click id and the promo code over a same-named UTM setting).
  const encode = (s: string) => encodeURIComponent(wellFormed(s));
  const pending = new Map(entries.map(([k, v]) => [k, `${encode(k)}=${encode(v)}`]));
  const names = new Set(pending.keys());
  const out: string[] = [];
  const query = url.search.slice(1);
  for (const pair of query === '' ? [] : query.split('&')) {
    const key = decodeKey(pair.split('=', 1)[0]!);
    if (!names.has(key)) out.push(pair);
    else if (pending.has(key)) {
      out.push(pending.get(key)!);
      pending.delete(key);
    }
  }
  out.push(...pending.values());
  url.search = out.join('&');
}

export interface AppendCode {
  mode: 'none' | 'query' | 'shopify';
  /** Query parameter for `query` mode, e.g. `discount`. */
  param: string;
  code: string | null;
}

/** How an offer's links carry a member's promo code (stored as JSON in offers.code_append). */
export interface CodeAppendSettings {
  mode: 'none' | 'query' | 'shopify';
  param: string;
}

export interface DestinationInput {
  url: string;
  utm: Readonly<Record<string, string>>;
  vars: TemplateVars;
  appendCode: AppendCode;
}

export const CLICK_PARAM = 'tp_click';

/**
 * The URL a click is redirected to. Throws only when `url` is not a URL, which offer validation rules out.
 * - Macros in the path, query and fragment are filled with URL-encoded values; the scheme and host are
 *   never templated, so no member data can change where the visitor lands.
 * - Each UTM parameter replaces a same-named one in the URL. A UTM value that renders empty is left out and
 *   a same-named parameter already in the URL is kept: the destination's own value acts as the fallback.
 * - `tp_click` carries the click id (when there is one) so the brand's page or t.js can pick it up.
 * - The promo code goes in a query parameter, or through Shopify's shareable discount link
 *   (`/discount/CODE?redirect=…`), which applies the code at checkout and then lands on the page.
 */
export function buildDestination(input: DestinationInput): string {
  const { vars, appendCode } = input;
  const url = new URL(input.url);
  const fill = (s: string): string => render(s, vars, encodeURIComponent);
  // Assigned only when changed: re-assigning an empty query or fragment would drop a bare "?" or "#".
  const path = fill(url.pathname);
  if (path !== url.pathname) url.pathname = path;
  const search = fill(url.search);
  if (search !== url.search) url.search = search;
  const hash = fill(url.hash);
  if (hash !== url.hash) url.hash = hash;

  const params: Array<[string, string]> = [];
  for (const [key, template] of Object.entries(input.utm)) {
    const value = renderTemplate(template, vars);
    if (key !== '' && value !== '') params.push([key, value]);
  }
  if (vars.clickId !== null) params.push([CLICK_PARAM, vars.clickId]);
  const code = appendCode.mode !== 'none' ? appendCode.code : null;
  if (code !== null && appendCode.mode === 'query') params.push([appendCode.param.trim() || 'discount', code]);
  setParams(url, params);

  if (code !== null && appendCode.mode === 'shopify') {
    const target = url.pathname + url.search + url.hash;
    // The destination's own scheme (https for any real Shopify store) keeps a local http shop testable.
    return `${url.protocol}//${url.host}/discount/${encodeURIComponent(code)}?redirect=${encodeURIComponent(target)}`;
  }
  return url.href;
}
