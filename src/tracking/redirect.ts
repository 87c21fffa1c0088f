// GET|HEAD /{slug}: 302 to the destination at once; the click goes to the buffer, never awaited. The decision is
// here; its routes (Fastify's and the fast path before it) are in http/tracking/redirect.ts.
import type { IncomingHttpHeaders } from 'node:http';
import { newClickId } from '../core/click-id.js';
import { resolveDeepLink } from '../core/destination.js';
import { labelText } from '../core/text.js';
import type { UniqueClicks } from '../core/unique-clicks.js';
import { cropUserAgent, hashIp, referrerHost, truncateIp, visitorKey, type UserAgentClass } from '../core/visitor.js';
import type { ClickBuffer } from './click-buffer.js';
import type { ClickRow } from './click-writer/index.js';
import { destinationFor, type TrackedLink } from './link-cache.js';

export interface RedirectDeps {
  buffer: ClickBuffer;
  uniques: UniqueClicks;
  classify: (ua: string) => UserAgentClass;
  clock: () => number;
  countryHeader: string;
  secureCookies: boolean;
}

export interface ClickRequest {
  method: string;
  /** The query string without "?" (to, sub1…sub5). */
  query: string;
  headers: IncomingHttpHeaders;
  ip: string;
  /** From a trusted proxy only: the host the visitor asked for (X-Forwarded-Host, lower-case), else ''. */
  forwardedHost: string;
  /** From a trusted proxy only: the visitor's request was https (X-Forwarded-Proto). */
  forwardedHttps: boolean;
}

export interface Redirect {
  location: string;
  cookie: string | null;
}

/** Decides where the visitor goes, records the click in the buffer, and returns the 302's headers. */
export function redirect(deps: RedirectDeps, link: TrackedLink, req: ClickRequest): Redirect {
  const now = deps.clock();
  const ua = cropUserAgent(req.headers['user-agent']);
  const verdict = req.method === 'HEAD' ? HEAD : deps.classify(ua);
  // Paused, archived or ended offers and disabled links still redirect (a creator's post must never break) but track nothing.
  const tracked =
    link.linkActive && link.offerActive && link.tracksLinks && (link.endsAt === null || now < link.endsAt);
  const credited = tracked && !verdict.isBot;
  const clickId = newClickId(link.clickTag, now);
  const q = req.query ? new URLSearchParams(req.query) : null;

  // The common case joins the link's prebuilt target around the click id; a ?to= deep link is built per request.
  const to = q?.get('to');
  const deepLink = to ? resolveDeepLink(to, link.destinationUrl, link.deepLinks.extraDomains) : null;
  const location =
    !deepLink && link.location
      ? credited
        ? link.location.tracked.join(clickId)
        : link.location.untracked
      : destinationFor(link, deepLink ?? link.deepLinkUrl ?? link.destinationUrl, credited ? clickId : null);

  const ipHash = hashIp(req.ip, link.ipHashKey);
  const click: ClickRow = {
    id: clickId,
    workspace_id: link.workspaceId,
    link_id: link.linkId,
    offer_id: link.offerId,
    member_id: link.memberId,
    created_at: now,
    tracked: tracked ? 1 : 0,
    ip_hash: ipHash,
    ip_truncated: truncateIp(req.ip),
    user_agent: ua,
    referrer_host: referrerHost(req.headers.referer),
    country: countryOf(req.headers, deps.countryHeader),
    device: verdict.device,
    is_bot: verdict.isBot ? 1 : 0,
    bot_reason: verdict.botReason,
    is_unique: credited && deps.uniques.firstInWindow(link.linkId, visitorKey(ipHash, ua), now) ? 1 : 0,
    sub1: sub(q, 'sub1'),
    sub2: sub(q, 'sub2'),
    sub3: sub(q, 'sub3'),
    sub4: sub(q, 'sub4'),
    sub5: sub(q, 'sub5'),
  };
  deps.buffer.push(click);
  if (!credited) return { location, cookie: null };
  // Through the brand's own proxy (first-party), the cookie is the brand's host's: a header compare, no lookup.
  const fp = link.firstParty;
  const firstParty = fp !== null && (req.forwardedHost === fp.host || req.forwardedHost === fp.hostname);
  return {
    location,
    cookie: firstParty
      ? firstPartyCookie(clickId, link.cookieWindowDays, req.forwardedHttps)
      : clickCookie(clickId, link.cookieWindowDays, deps.secureCookies),
  };
}

const HEAD = { isBot: true, botReason: 'head_request', device: 'bot' } as const;

/** Headers of every 302: never cached, so each repeat click is seen (and Shlink's reason for 302 over 301). */
export function redirectHeaders(r: Redirect): Record<string, string> {
  const headers: Record<string, string> = {
    location: r.location,
    'cache-control': 'private, no-store',
    'content-length': '0',
  };
  if (r.cookie) headers['set-cookie'] = r.cookie;
  return headers;
}

/**
 * A sub-id as stored (core/text.ts labelText: a NUL would fail the click's whole batch on PostgreSQL, at every retry),
 * at most 255 characters.
 */
function sub(q: URLSearchParams | null, name: string): string | null {
  const value = q?.get(name);
  const label = value ? labelText(value) : '';
  return label ? label.slice(0, 255) : null;
}

function countryOf(headers: IncomingHttpHeaders, header: string): string | null {
  const v = header ? headers[header] : undefined;
  return typeof v === 'string' && /^[A-Za-z]{2}$/.test(v) ? v.toUpperCase() : null;
}

/** On the brand's host, set by its server: host-only (no Domain), read by /collect on the same origin. */
function firstPartyCookie(clickId: string, days: number, secure: boolean): string {
  const base = `tp_click=${clickId}; Max-Age=${days * 86_400}; Path=/; HttpOnly; SameSite=Lax`;
  return secure ? `${base}; Secure` : base;
}

/** The pixel reads this cookie from the brand's pages, a third-party context: SameSite=None needs Secure (https). */
function clickCookie(clickId: string, days: number, secure: boolean): string {
  const base = `tp_click=${clickId}; Max-Age=${days * 86_400}; Path=/; HttpOnly`;
  return secure ? `${base}; SameSite=None; Secure` : `${base}; SameSite=Lax`;
}
