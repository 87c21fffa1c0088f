// GET|HEAD /{slug}: 302 to the destination at once; the click goes to the buffer, never awaited.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { newClickId } from '../core/click-id.js';
import { resolveDeepLink } from '../core/destination.js';
import { buildDestination } from '../core/templating.js';
import { classifyUserAgent, cropUserAgent, hashIp, referrerHost, truncateIp, visitorKey } from '../core/visitor.js';
import type { ClickRow } from './click-writer.js';
import type { TrackedLink } from './link-cache.js';
import type { TrackingDeps } from './index.js';

const SUB_IDS = ['sub1', 'sub2', 'sub3', 'sub4', 'sub5'] as const;
type Query = Partial<Record<'to' | (typeof SUB_IDS)[number], string>>;

export function redirectHandler(deps: TrackingDeps) {
  return async function redirect(req: FastifyRequest<{ Params: { slug: string }; Querystring: Query }>, reply: FastifyReply) {
    let link: TrackedLink | null;
    try {
      link = await deps.cache.get(req.params.slug);
    } catch {
      return reply.code(503).header('retry-after', '5').type('text/html').send(deps.pages.unavailable);
    }
    if (!link) return reply.code(404).type('text/html').send(deps.pages.notFound);

    const now = deps.clock();
    const ua = cropUserAgent(req.headers['user-agent']);
    const verdict = req.method === 'HEAD' ? { isBot: true, botReason: 'head_request', device: 'bot' } : classifyUserAgent(ua);
    // Paused, archived or ended offers and disabled links still redirect (a creator's post must never break) but track nothing.
    const tracked = link.linkActive && link.offerActive && link.tracksLinks && (link.endsAt === null || now < link.endsAt);
    const clickId = newClickId(link.clickTag, now);
    const credited = tracked && !verdict.isBot;

    const deepLink = req.query.to ? resolveDeepLink(req.query.to, link.destinationUrl, link.deepLinks.extraDomains) : null;
    const location = buildDestination({
      url: deepLink ?? link.deepLinkUrl ?? link.destinationUrl,
      utm: link.utm,
      vars: {
        creatorName: link.member?.name ?? null, creatorIgUsername: link.member?.instagram ?? null,
        creatorTiktokUsername: link.member?.tiktok ?? null, memberId: link.memberId, projectName: link.member?.project ?? null,
        offerName: link.offerName, offerId: link.offerId, clickId: credited ? clickId : null,
      },
      appendCode: { mode: link.codeAppend.mode, param: link.codeAppend.param, code: link.code },
    });

    const ipHash = hashIp(req.ip, link.ipHashKey);
    const click: ClickRow = {
      id: clickId, workspace_id: link.workspaceId, link_id: link.linkId, offer_id: link.offerId, member_id: link.memberId,
      created_at: now, tracked: tracked ? 1 : 0, ip_hash: ipHash, ip_truncated: truncateIp(req.ip), user_agent: ua,
      referrer_host: referrerHost(req.headers.referer), country: countryOf(req, deps.countryHeader), device: verdict.device,
      is_bot: verdict.isBot ? 1 : 0, bot_reason: verdict.botReason,
      is_unique: credited && deps.uniques.firstInWindow(link.linkId, visitorKey(ipHash, ua), now) ? 1 : 0,
      sub1: sub(req.query.sub1), sub2: sub(req.query.sub2), sub3: sub(req.query.sub3), sub4: sub(req.query.sub4), sub5: sub(req.query.sub5),
    };
    deps.buffer.push(click);

    if (credited) reply.header('set-cookie', clickCookie(clickId, link.cookieWindowDays, deps.secureCookies));
    return reply.code(302).header('location', location).header('cache-control', 'private, no-store').header('referrer-policy', 'no-referrer-when-downgrade').send();
  };
}

function sub(value: string | undefined): string | null {
  return value ? value.slice(0, 255) : null;
}

function countryOf(req: FastifyRequest, header: string): string | null {
  const v = header ? req.headers[header] : undefined;
  return typeof v === 'string' && /^[A-Za-z]{2}$/.test(v) ? v.toUpperCase() : null;
}

/** The pixel reads this cookie from the brand's pages, a third-party context: SameSite=None needs Secure (https). */
function clickCookie(clickId: string, days: number, secure: boolean): string {
  const base = `tp_click=${clickId}; Max-Age=${days * 86_400}; Path=/; HttpOnly`;
  return secure ? `${base}; SameSite=None; Secure` : `${base}; SameSite=Lax`;
}
