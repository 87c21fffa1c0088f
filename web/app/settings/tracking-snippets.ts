// What "Settings → Tracking setup" hands a brand to copy: postback URLs, signed-postback programs in four languages,
// the tag, the pixel and the network drop-in URLs. Pure text from plain values, so the page shows exactly what
// test/tracking-setup-examples.test.ts runs against a real server, and nothing here touches the DOM.

/** What a viewer sees where the postback secret goes (viewers never receive it). */
export const SECRET_PLACEHOLDER = 'YOUR_POSTBACK_SECRET';

/** One sale, as the brand's systems know it. Empty fields are left out of every snippet. */
export interface SaleExample {
  offer?: string;
  /** The click id (tp_click) the brand's site stored when the shopper landed. */
  click?: string;
  code?: string;
  /** Decimal string in the currency's units, e.g. "49.90". */
  amount?: string;
  currency?: string;
  order?: string;
  test?: boolean;
}

export interface SnippetContext {
  /** Where the tracking surface answers, e.g. https://track.example.com (no trailing slash). */
  base: string;
  /** The postback secret, or null when the person may not see it. */
  secret: string | null;
  workspaceId: string;
}

/**
 * The server's public address, from the Shopify webhook URL it reports (`<BASE_URL>/webhooks/shopify/<workspace>`):
 * that is the configured host brands reach, which may differ from the address the dashboard was opened at.
 */
export function trackingBase(shopifyWebhookUrl: string): string {
  const i = shopifyWebhookUrl.lastIndexOf('/webhooks/shopify/');
  return (i < 0 ? new URL(shopifyWebhookUrl).origin : shopifyWebhookUrl.slice(0, i)).replace(/\/+$/, '');
}

const secretOf = (ctx: SnippetContext) => ctx.secret ?? SECRET_PLACEHOLDER;

/** The sale's fields under the postback's own names, in a fixed order; only those that are filled in. */
export function saleFields(sale: SaleExample): [string, string][] {
  const out: [string, string][] = [];
  const add = (k: string, v: string | undefined) => {
    const t = v?.trim();
    if (t) out.push([k, t]);
  };
  add('offer', sale.offer);
  add('click', sale.click);
  add('code', sale.code);
  add('amount', sale.amount);
  add('currency', sale.currency);
  add('order', sale.order);
  if (sale.test) out.push(['test', '1']);
  return out;
}

const query = (pairs: [string, string][]) =>
  pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/** The plain server postback (GET, the secret as a parameter): what a shop platform's "call this URL" field takes. */
export function postbackUrl(ctx: SnippetContext, sale: SaleExample): string {
  return `${ctx.base}/postback?${query([['secret', secretOf(ctx)], ...saleFields(sale)])}`;
}

/** The postback with its fields as placeholders, for a platform that fills them in per order. */
export function postbackTemplate(ctx: SnippetContext): string {
  return (
    `${ctx.base}/postback?secret=${encodeURIComponent(secretOf(ctx))}` +
    '&offer={offer_id}&click={click_id}&code={code}&amount={amount}&currency={currency}&order={order_id}'
  );
}

/** The JSON body of a signed postback: the workspace first, since a signed request names it (or a click id). */
export function signedBody(ctx: SnippetContext, sale: SaleExample): Record<string, string> {
  return Object.fromEntries([['workspace', ctx.workspaceId], ...saleFields(sale)]);
}

export type SignedLanguage = 'curl' | 'node' | 'php' | 'python';
export const SIGNED_LANGUAGES: { value: SignedLanguage; label: string; file: string }[] = [
  { value: 'curl', label: 'curl (bash)', file: 'postback.sh' },
  { value: 'node', label: 'Node.js', file: 'postback.mjs' },
  { value: 'php', label: 'PHP', file: 'postback.php' },
  { value: 'python', label: 'Python', file: 'postback.py' },
];

// Literals for each language: JSON's string syntax is valid JavaScript and Python; PHP and bash get single quotes,
// where nothing is interpolated.
const js = (s: string) => JSON.stringify(s);
const php = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A complete program that signs a postback (X-Touchpoint-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">)
 * and sends it; it exits non-zero when Touchpoint refuses it. Each builds its JSON body with the language's own
 * encoder and signs the very bytes it sends, which is the one rule to get right.
 */
export function signedExample(lang: SignedLanguage, ctx: SnippetContext, sale: SaleExample): string {
  const url = `${ctx.base}/postback`;
  const secret = secretOf(ctx);
  const fields = Object.entries(signedBody(ctx, sale));
  switch (lang) {
    case 'curl':
      return [
        '#!/usr/bin/env bash',
        '# Needs curl and openssl. The signature covers the exact body sent.',
        'set -euo pipefail',
        `SECRET=${sh(secret)}`,
        `BODY=${sh(JSON.stringify(Object.fromEntries(fields)))}`,
        'T=$(date +%s)',
        `SIG=$(printf '%s' "$T.$BODY" | openssl dgst -sha256 -hmac "$SECRET" | awk '{print $NF}')`,
        `curl -sS --fail-with-body -X POST ${sh(url)} \\`,
        `  -H 'Content-Type: application/json' \\`,
        `  -H "X-Touchpoint-Signature: t=$T,v1=$SIG" \\`,
        `  --data-binary "$BODY"`,
        'echo',
        '',
      ].join('\n');
    case 'node':
      return [
        '// Node.js 18 or later: node postback.mjs',
        "import { createHmac } from 'node:crypto';",
        '',
        `const secret = ${js(secret)};`,
        'const body = JSON.stringify({',
        ...fields.map(([k, v]) => `  ${k}: ${js(v)},`),
        '});',
        'const t = Math.floor(Date.now() / 1000);',
        "const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');",
        `const res = await fetch(${js(url)}, {`,
        "  method: 'POST',",
        "  headers: { 'Content-Type': 'application/json', 'X-Touchpoint-Signature': `t=${t},v1=${v1}` },",
        '  body,',
        '});',
        'console.log(res.status, await res.text());',
        'if (!res.ok) process.exit(1);',
        '',
      ].join('\n');
    case 'php':
      return [
        '<?php',
        '// PHP 7.4 or later, no extension needed: php postback.php',
        `$secret = ${php(secret)};`,
        '$body = json_encode([',
        ...fields.map(([k, v]) => `    ${php(k)} => ${php(v)},`),
        ']);',
        '$t = time();',
        "$v1 = hash_hmac('sha256', $t . '.' . $body, $secret);",
        '$context = stream_context_create([',
        "    'http' => [",
        "        'method' => 'POST',",
        '        \'header\' => "Content-Type: application/json\\r\\nX-Touchpoint-Signature: t=$t,v1=$v1\\r\\n",',
        "        'content' => $body,",
        "        'ignore_errors' => true,",
        '    ],',
        ']);',
        `$answer = file_get_contents(${php(url)}, false, $context);`,
        'echo $http_response_header[0], "\\n", $answer, "\\n";',
        "exit(preg_match('/^HTTP\\/\\S+ 2\\d\\d/', $http_response_header[0]) ? 0 : 1);",
        '',
      ].join('\n');
    case 'python':
      return [
        '# Python 3, standard library only: python3 postback.py',
        'import hashlib, hmac, json, time, urllib.error, urllib.request',
        '',
        `secret = ${js(secret)}`,
        'body = json.dumps({',
        ...fields.map(([k, v]) => `    ${js(k)}: ${js(v)},`),
        '}).encode()',
        't = str(int(time.time()))',
        "v1 = hmac.new(secret.encode(), t.encode() + b'.' + body, hashlib.sha256).hexdigest()",
        'request = urllib.request.Request(',
        `    ${js(url)},`,
        '    data=body,',
        "    method='POST',",
        "    headers={'Content-Type': 'application/json', 'X-Touchpoint-Signature': f't={t},v1={v1}'},",
        ')',
        'try:',
        '    with urllib.request.urlopen(request) as answer:',
        '        print(answer.status, answer.read().decode())',
        'except urllib.error.HTTPError as refused:',
        '    # The reason is in the body: {"error": {"code": "...", "message": "..."}}',
        '    print(refused.code, refused.read().decode())',
        '    raise SystemExit(1)',
        '',
      ].join('\n');
  }
}

/** The tag, in the <head> of every page of the shop (it stores the click id a creator's link brought). */
export function tagScript(base: string): string {
  return `<script src="${base}/t.js" async></script>`;
}

/** The confirmation page's call; queued until the tag has loaded, sent at once when it has. */
export function tagConversionCall(sale: SaleExample): string {
  const f = (k: string, v: string | undefined) => (v?.trim() ? [`    ${k}: ${js(v.trim())},`] : []);
  return [
    '<script>',
    '  window.touchpoint = window.touchpoint || { q: [] };',
    '  var sale = {',
    ...f('offer', sale.offer),
    ...f('amount', sale.amount),
    ...f('currency', sale.currency),
    ...f('orderId', sale.order),
    ...f('code', sale.code),
    ...(sale.test ? ['    test: true,'] : []),
    '  };',
    '  if (window.touchpoint.conversion) window.touchpoint.conversion(sale);',
    '  else window.touchpoint.q.push(sale);',
    '</script>',
  ].join('\n');
}

/** The Stripe events the webhook endpoint listens to (Stripe's dashboard: "Select events"). */
export const STRIPE_EVENTS = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'invoice.paid',
  'charge.refunded',
  'refund.created',
  'charge.dispute.created',
  'customer.subscription.deleted',
] as const;

/** Stripe Checkout carrying the click id the tag kept: the browser sends it, the server puts it on the session. */
export function stripeCheckoutSnippet(): string {
  return [
    '// In the browser (t.js loaded), where the checkout starts:',
    "const res = await fetch('/create-checkout-session', {",
    "  method: 'POST',",
    "  headers: { 'content-type': 'application/json' },",
    '  body: JSON.stringify({ tpClick: window.touchpoint && window.touchpoint.clickId() }),',
    '});',
    'location.href = (await res.json()).url;',
    '',
    '// On your server (Node, the stripe package):',
    'const session = await stripe.checkout.sessions.create({',
    "  mode: 'subscription', // or 'payment'",
    "  line_items: [{ price: 'price_…', quantity: 1 }],",
    '  client_reference_id: req.body.tpClick || undefined,',
    "  success_url: 'https://shop.example.com/thanks',",
    '});',
    'res.json({ url: session.url });',
  ].join('\n');
}

/** The pixel: no script at all, and it reads the tp_click cookie itself (the click id is not in it). */
export function pixelTag(base: string, sale: SaleExample): string {
  const pairs = saleFields({ ...sale, click: undefined });
  const src = `${base}/px?${query(pairs)}`.replace(/&/g, '&amp;');
  return `<img src="${src}" width="1" height="1" alt="" style="display:none">`;
}

/**
 * TUNE/HasOffers' advertiser postback: keep what the integration already fills in (the {…} values), change the host
 * and the security token. offer_id may stay TUNE's number (it is ignored) or become a Touchpoint offer id.
 */
export function tuneUrl(ctx: SnippetContext, offer?: string): string {
  return (
    `${ctx.base}/aff_lsr?offer_id=${offer ? encodeURIComponent(offer) : '{offer_id}'}` +
    `&transaction_id={transaction_id}&amount={amount}&adv_unique1={order_id}` +
    `&security_token=${encodeURIComponent(secretOf(ctx))}`
  );
}

/** Everflow-style parameter names on the ordinary postback; the token travels as secret=. */
export function everflowUrl(ctx: SnippetContext, offer?: string, currency?: string): string {
  return (
    `${ctx.base}/postback?secret=${encodeURIComponent(secretOf(ctx))}` +
    (offer ? `&offer_id=${encodeURIComponent(offer)}` : '') +
    `&transaction_id={transaction_id}&order_id={order_id}&amount={sale_amount}&coupon_code={coupon_code}` +
    (currency ? `&currency=${encodeURIComponent(currency)}` : '')
  );
}

/** The Shopify webhook topics Touchpoint acts on, with what each does. */
export const SHOPIFY_TOPICS: { topic: string; event: string; does: string }[] = [
  { topic: 'orders/paid', event: 'Order payment', does: 'records the order (or orders/create: Order creation)' },
  { topic: 'refunds/create', event: 'Refund create', does: 'reduces the order by the refunded amount' },
  { topic: 'orders/cancelled', event: 'Order cancellation', does: 'reverses the order and its commissions' },
];
