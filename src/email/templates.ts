// The emails Touchpoint sends, rendered from plain data to a subject, a plain-text body and an HTML body. Pure: no I/O,
// no clock. Every value a person typed (names, offer names, the brand's note) is HTML-escaped in the HTML body.
import { linkUrl } from '../core/tracking-origin.js';
import { payoutWords, type PayoutConversionType } from '../core/payout-words.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export type ConversionType = PayoutConversionType;

export interface PayoutDescription {
  type: 'percent' | 'fixed';
  /** As the API shows it: "10" (percent) or "4.00" (amount in the currency). */
  value: string;
  currency: string;
  tiers: { fromConversion: number; value: string }[];
}

export interface MemberLinksInput {
  /** The workspace's name: who the creator works with. */
  brand: string;
  memberName: string;
  offer: { name: string; conversionType: ConversionType; destinationUrl: string; endsAt: number | null };
  /** Public origin of tracking links, without a trailing slash. */
  baseUrl: string;
  links: { slug: string; deepLinkUrl: string | null }[];
  codes: string[];
  payout: PayoutDescription | null;
  /** Whether the creator may point their link at any page of the shop with ?to=. */
  deepLinks: { allowed: boolean; domains: string[] };
  /** A note from the brand, shown above the links. */
  message?: string | null;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A header must be one line: a name with a line break would otherwise start a header of its own. */
function oneLine(value: string, max = 200): string {
  const flat = value
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/** Only http(s) URLs become links; anything else is shown as text. */
function isWebUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

function link(url: string, label = url): string {
  return isWebUrl(url) ? `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>` : escapeHtml(label);
}

function paragraphs(text: string): string {
  return text
    .trim()
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

function hostOf(url: string): string {
  try {
    return new URL(url.replace(/\{[a-z_]+\}/g, '')).host;
  } catch {
    return '';
  }
}

function layout(title: string, body: string, footer: string): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>' +
      escapeHtml(title) +
      '</title></head>',
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;line-height:1.5;color:#1f2328;max-width:600px;margin:0 auto;padding:16px">',
    body,
    `<p style="color:#656d76;font-size:12px;margin-top:32px">${escapeHtml(footer)}</p>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** A member's tracking links and promo codes for one offer. */
export function memberLinksEmail(input: MemberLinksInput): RenderedEmail {
  const { brand, memberName, offer } = input;
  const links = input.links.map((l) => ({
    url: linkUrl(input.baseUrl, l.slug),
    deepLinkUrl: l.deepLinkUrl,
  }));
  const subject = oneLine(`Your ${offer.name} links and codes from ${brand}`);
  const payout = input.payout
    ? payoutWords(input.payout, { conversionType: offer.conversionType, currency: input.payout.currency })
    : null;
  const shopHost = hostOf(offer.destinationUrl);
  const firstLink = links.find((l) => !l.deepLinkUrl) ?? links[0];
  const deepLinkNote =
    input.deepLinks.allowed && firstLink && shopHost
      ? `To send people to a particular page of ${shopHost}, add ?to= and the page to your link, for example ${firstLink.url}?to=/any-page` +
        (input.deepLinks.domains.length ? ` (a full address on ${input.deepLinks.domains.join(', ')} works too).` : '.')
      : null;
  const ends = offer.endsAt === null ? null : new Date(offer.endsAt).toISOString().slice(0, 10);
  const footer = `You receive this because ${brand} works with you on ${offer.name}. Sales are tracked by Touchpoint.`;

  const text: string[] = [`Hi ${memberName},`, ''];
  if (input.message?.trim()) text.push(input.message.trim(), '');
  text.push(`Here is what you need for ${offer.name}.`, '');
  if (links.length) {
    text.push(links.length > 1 ? 'Your tracking links:' : 'Your tracking link:');
    for (const l of links) text.push(`  ${l.url}${l.deepLinkUrl ? ` (opens ${l.deepLinkUrl})` : ''}`);
    text.push('');
  }
  if (input.codes.length) {
    text.push(input.codes.length > 1 ? 'Your promo codes:' : 'Your promo code:');
    for (const c of input.codes) text.push(`  ${c}`);
    text.push('');
  }
  if (deepLinkNote) text.push(deepLinkNote, '');
  if (payout) text.push(`What you earn: ${payout}.`, '');
  if (ends) text.push(`The offer ends on ${ends} (UTC).`, '');
  text.push(`Thank you,`, brand, '', '-- ', footer, '');

  const html: string[] = [`<p>Hi ${escapeHtml(memberName)},</p>`];
  if (input.message?.trim()) html.push(paragraphs(input.message));
  html.push(`<p>Here is what you need for <strong>${escapeHtml(offer.name)}</strong>.</p>`);
  if (links.length) {
    html.push(`<p>${links.length > 1 ? 'Your tracking links:' : 'Your tracking link:'}</p>`, '<ul>');
    for (const l of links)
      html.push(`<li>${link(l.url)}${l.deepLinkUrl ? ` (opens ${escapeHtml(l.deepLinkUrl)})` : ''}</li>`);
    html.push('</ul>');
  }
  if (input.codes.length) {
    html.push(`<p>${input.codes.length > 1 ? 'Your promo codes:' : 'Your promo code:'}</p>`, '<ul>');
    for (const c of input.codes)
      html.push(`<li><code style="font-size:18px;font-weight:bold">${escapeHtml(c)}</code></li>`);
    html.push('</ul>');
  }
  if (deepLinkNote) html.push(`<p>${escapeHtml(deepLinkNote)}</p>`);
  if (payout) html.push(`<p>What you earn: ${escapeHtml(payout)}.</p>`);
  if (ends) html.push(`<p>The offer ends on ${ends} (UTC).</p>`);
  html.push(`<p>Thank you,<br>${escapeHtml(brand)}</p>`);
  return { subject, text: text.join('\n'), html: layout(subject, html.join('\n'), footer) };
}

/** How long a magic link works; the portal's sign-in enforces it, the email only says it. */
export const MAGIC_LINK_MINUTES = 15;
/** How long a setup link (invitation, password reset) works. */
export const SETUP_LINK_HOURS = 72;

/** A member's single-use sign-in link to the partner portal. */
export function magicLinkEmail(input: { brand: string; memberName: string; url: string }): RenderedEmail {
  const subject = oneLine(`Your sign-in link for ${input.brand}'s partner portal`);
  const footer = `You receive this because someone asked to sign in to ${input.brand}'s partner portal with this address. If it was not you, ignore this email.`;
  const expiry = `The link works once and expires in ${MAGIC_LINK_MINUTES} minutes.`;
  const text = [
    `Hi ${input.memberName},`,
    '',
    `Open this link to see your links, codes, sales and commissions with ${input.brand}:`,
    '',
    `  ${input.url}`,
    '',
    expiry,
    '',
    '-- ',
    footer,
    '',
  ].join('\n');
  const html = [
    `<p>Hi ${escapeHtml(input.memberName)},</p>`,
    `<p>Open this link to see your links, codes, sales and commissions with ${escapeHtml(input.brand)}:</p>`,
    `<p>${link(input.url, 'Sign in to the partner portal')}</p>`,
    `<p style="font-size:12px;word-break:break-all">${escapeHtml(input.url)}</p>`,
    `<p>${escapeHtml(expiry)}</p>`,
  ].join('\n');
  return { subject, text, html: layout(subject, html, footer) };
}

/** A member's promo code was replaced (e.g. after it leaked): the old one no longer works. */
export function codeRotatedEmail(input: {
  brand: string;
  memberName: string;
  offerName: string;
  oldCode: string;
  newCode: string;
}): RenderedEmail {
  const subject = oneLine(`Your ${input.offerName} promo code has changed`);
  const footer = `You receive this because ${input.brand} works with you on ${input.offerName}.`;
  const text = [
    `Hi ${input.memberName},`,
    '',
    `Your promo code ${input.oldCode} for ${input.offerName} no longer works.`,
    '',
    `Your new code is:`,
    '',
    `  ${input.newCode}`,
    '',
    `Please use it from now on and update the places where you shared the old one. Sales with the new code are credited to you as before.`,
    '',
    `Thank you,`,
    input.brand,
    '',
    '-- ',
    footer,
    '',
  ].join('\n');
  const html = [
    `<p>Hi ${escapeHtml(input.memberName)},</p>`,
    `<p>Your promo code <code>${escapeHtml(input.oldCode)}</code> for <strong>${escapeHtml(input.offerName)}</strong> no longer works.</p>`,
    `<p>Your new code is:</p>`,
    `<p><code style="font-size:20px;font-weight:bold">${escapeHtml(input.newCode)}</code></p>`,
    `<p>Please use it from now on and update the places where you shared the old one. Sales with the new code are credited to you as before.</p>`,
    `<p>Thank you,<br>${escapeHtml(input.brand)}</p>`,
  ].join('\n');
  return { subject, text, html: layout(subject, html, footer) };
}

/** A dashboard user's invitation (or password reset): a single-use link to set a password. */
export function userInviteEmail(input: {
  brand: string;
  userName: string;
  url: string;
  /** Whole hours the link stays valid. */
  expiresInHours: number;
  invitedBy?: string | null;
  role?: string | null;
}): RenderedEmail {
  const subject = oneLine(`Set up your ${input.brand} account on Touchpoint`);
  const who = input.invitedBy?.trim() ? `${input.invitedBy.trim()} invited you` : 'You are invited';
  const role = input.role ? ` as ${input.role}` : '';
  const intro = `${who} to ${input.brand}'s Touchpoint dashboard${role}, where the brand tracks its creators' links, codes and sales.`;
  const expiry = `The link works once and expires in ${input.expiresInHours} hours. After that, ask an owner of the workspace for a new one.`;
  const footer = `You receive this because an owner of ${input.brand} added this address. If you did not expect it, ignore this email.`;
  const text = [
    `Hi ${input.userName},`,
    '',
    intro,
    '',
    'Choose your password here:',
    '',
    `  ${input.url}`,
    '',
    expiry,
    '',
    '-- ',
    footer,
    '',
  ].join('\n');
  const html = [
    `<p>Hi ${escapeHtml(input.userName)},</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    `<p>${link(input.url, 'Choose your password')}</p>`,
    `<p style="font-size:12px;word-break:break-all">${escapeHtml(input.url)}</p>`,
    `<p>${escapeHtml(expiry)}</p>`,
  ].join('\n');
  return { subject, text, html: layout(subject, html, footer) };
}
