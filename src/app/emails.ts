// Outgoing email: queueing (in the transaction of the change that causes it), the send log, and the dispatcher that
// sends queued emails with a lease, retries and backoff, the way outgoing webhooks are sent (app/webhooks.ts).
import { linkBase } from '../core/tracking-origin.js';
import type { Kysely, Transaction } from 'kysely';
import type { DeepLinkSettings } from '../core/destination.js';
import { newId } from '../core/ids.js';
import { hashToken, newToken } from '../core/passwords.js';
import { fail, ok, type Result } from '../core/result.js';
import { recordAudit } from '../db/audit.js';
import * as repo from '../db/emails.js';
import { linksOfMembers } from '../db/links.js';
import { findMember, findMembers, type MemberRow } from '../db/members.js';
import { findUser, insertOneTimeToken, revokeOneTimeToken, type OneTimeTokenRow } from '../db/users.js';
import { allOfferMembers, findOfferMembers, type OfferMemberRow } from '../db/offer-members.js';
import { findOffer, listPayoutOptions } from '../db/offers.js';
import { codesOfMembers } from '../db/promo-codes.js';
import type { Database } from '../db/schema.js';
import { findWorkspace } from '../db/workspaces.js';
import {
  codeRotatedEmail,
  magicLinkEmail,
  MAGIC_LINK_MINUTES,
  memberLinksEmail,
  SETUP_LINK_HOURS,
  userInviteEmail,
  type RenderedEmail,
} from '../email/templates.js';
import type { MailTransport } from '../email/transport.js';
import { decodeCursor, toPage, type Actor, type AppContext, type Notifier, type Page } from './context.js';
import type { TrackingMethod } from './offer-settings.js';
import { payoutOptionView } from './offers.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Waits between attempts: a mail server down for minutes or an hour still gets the email (8 attempts over ~10 h). */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** Longer than an SMTP attempt can take (30 s connect + 30 s greeting + 60 s idle socket), so a live sender keeps it. */
export const LEASE_MS = 5 * 60_000;

export interface WorkspaceRef {
  id: string;
  name: string;
}

export interface MemberRef {
  id: string;
  name: string;
  email: string | null;
}

/**
 * What the stored copy of a sign-in or setup email has where its token goes. The token itself is made when the email is
 * handed to the transport and exists only in the message that leaves (SMTP or the outbox file): the send log, the API
 * and the dashboard can show the email to anyone of the workspace without handing them a way in.
 */
export const TOKEN_REDACTED = '[redacted]';
const TOKEN_SLOT = `?token=${TOKEN_REDACTED}`;

interface LinkKind {
  purpose: OneTimeTokenRow['purpose'];
  path: string;
  lifetimeMs: number;
}

/** The emails that carry a link that signs someone in: each sending attempt carries a token of its own. */
const LINK_KINDS: Partial<Record<repo.EmailKind, LinkKind>> = {
  magic_link: { purpose: 'member_login', path: '/p/auth', lifetimeMs: MAGIC_LINK_MINUTES * 60_000 },
  user_invite: { purpose: 'user_setup', path: '/app/setup', lifetimeMs: SETUP_LINK_HOURS * 3_600_000 },
};

const redactedLink = (baseUrl: string, kind: LinkKind) => `${baseUrl}${kind.path}${TOKEN_SLOT}`;

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function emailRow(
  ws: WorkspaceRef,
  to: string,
  kind: repo.EmailKind,
  rendered: RenderedEmail,
  related: { memberId?: string | null; offerId?: string | null; userId?: string | null; expiresAt?: number | null },
  now: number,
): repo.EmailRow {
  return {
    id: newId('eml', now),
    workspace_id: ws.id,
    kind,
    to_address: to,
    from_name: ws.name,
    subject: rendered.subject,
    body_text: rendered.text,
    body_html: rendered.html,
    member_id: related.memberId ?? null,
    offer_id: related.offerId ?? null,
    user_id: related.userId ?? null,
    status: 'queued',
    attempts: 0,
    next_attempt_at: now,
    locked_until: 0,
    expires_at: related.expiresAt ?? null,
    last_error: null,
    delivered_via: null,
    delivery_note: null,
    message_id: null,
    created_at: now,
    sent_at: null,
    link_token_hash: null,
  };
}

/**
 * Queues a member's portal sign-in link, in the caller's transaction. Returns the email's id, or null when the member
 * has no email address. The link's token is made when the email is sent; a request not sent within the link's 15
 * minutes is not sent at all.
 */
export async function queueMagicLinkEmail(
  tx: Db,
  ws: WorkspaceRef,
  member: MemberRef,
  baseUrl: string,
  now: number,
): Promise<string | null> {
  if (!member.email) return null;
  const kind = LINK_KINDS.magic_link!;
  const rendered = magicLinkEmail({ brand: ws.name, memberName: member.name, url: redactedLink(baseUrl, kind) });
  const row = emailRow(
    ws,
    member.email,
    'magic_link',
    rendered,
    { memberId: member.id, expiresAt: now + kind.lifetimeMs },
    now,
  );
  await repo.insertEmails(tx, [row]);
  return row.id;
}

/** Queues "your code changed" for the member of a rotated code, in the rotation's transaction. Null without an address. */
export async function queueCodeRotatedEmail(
  tx: Db,
  ws: WorkspaceRef,
  member: MemberRef,
  offer: { id: string; name: string },
  oldCode: string,
  newCode: string,
  now: number,
): Promise<string | null> {
  if (!member.email) return null;
  const rendered = codeRotatedEmail({
    brand: ws.name,
    memberName: member.name,
    offerName: offer.name,
    oldCode,
    newCode,
  });
  const row = emailRow(ws, member.email, 'code_rotated', rendered, { memberId: member.id, offerId: offer.id }, now);
  await repo.insertEmails(tx, [row]);
  return row.id;
}

/**
 * Queues a dashboard user's setup link (an invitation or a password reset), in the caller's transaction. The email
 * carries a setup link of its own, made when it is sent; not sent after the link's 72 hours.
 */
export async function queueUserInviteEmail(
  tx: Db,
  ws: WorkspaceRef,
  user: { id: string; name: string; email: string },
  baseUrl: string,
  now: number,
  opts: { invitedBy?: string | null; role?: string | null } = {},
): Promise<string> {
  const kind = LINK_KINDS.user_invite!;
  const rendered = userInviteEmail({
    brand: ws.name,
    userName: user.name || user.email,
    url: redactedLink(baseUrl, kind),
    expiresInHours: SETUP_LINK_HOURS,
    invitedBy: opts.invitedBy ?? null,
    role: opts.role ?? null,
  });
  const row = emailRow(
    ws,
    user.email,
    'user_invite',
    rendered,
    { userId: user.id, expiresAt: now + kind.lifetimeMs },
    now,
  );
  await repo.insertEmails(tx, [row]);
  return row.id;
}

/** The AppContext's notifier: messages to people become queued emails. */
export function emailNotifier(ctx: AppContext): Notifier {
  return {
    async codeRotated(n) {
      const { db } = ctx.store;
      const [ws, member, offer] = await Promise.all([
        findWorkspace(db, n.workspaceId),
        findMember(db, n.workspaceId, n.memberId),
        findOffer(db, n.workspaceId, n.offerId),
      ]);
      if (!ws || !member || !offer) return;
      await queueCodeRotatedEmail(db, ws, member, offer, n.oldCode, n.newCode, ctx.clock());
    },
  };
}

export type SkipReason = 'not_on_offer' | 'no_email' | 'nothing_to_send';

const SKIP_MESSAGES: Record<SkipReason, string> = {
  not_on_offer: 'The member is not on this offer.',
  no_email: 'The member has no email address.',
  nothing_to_send: 'The member has no active tracking link or promo code on this offer.',
};

export interface MemberEmailsResult {
  queued: { emailId: string; memberId: string; to: string }[];
  skipped: { memberId: string; reason: SkipReason; message: string }[];
}

const LOOKUP_CHUNK = 500;

async function inChunks<T>(ids: string[], load: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) out.push(...(await load(ids.slice(i, i + LOOKUP_CHUNK))));
  return out;
}

/**
 * "Email members their links": one email per member of the offer (or of `memberIds`) with their active tracking
 * links and promo codes, what they earn, and an optional note. Members who cannot get one are listed with the reason;
 * the emails are queued together, in one transaction, or not at all.
 */
export async function emailOfferMembers(
  ctx: AppContext,
  actor: Actor,
  offerId: string,
  input: { memberIds?: string[]; message?: string },
): Promise<Result<MemberEmailsResult>> {
  const { db } = ctx.store;
  const offer = await findOffer(db, actor.workspaceId, offerId);
  if (!offer) return fail('not_found', 'Offer not found.');
  if (offer.status === 'archived')
    return fail('offer_archived', 'The offer is archived; its links and codes no longer earn anything.');
  const workspace = (await findWorkspace(db, actor.workspaceId))!;

  const asked = input.memberIds ? [...new Set(input.memberIds)] : null;
  const onOffer: OfferMemberRow[] = asked
    ? await inChunks(asked, (c) => findOfferMembers(db, actor.workspaceId, offerId, c))
    : await allOfferMembers(db, actor.workspaceId, offerId);
  const assignment = new Map(onOffer.map((r) => [r.member_id, r]));
  const ids = onOffer.map((r) => r.member_id);
  const members = new Map((await inChunks(ids, (c) => findMembers(db, actor.workspaceId, c))).map((m) => [m.id, m]));
  const methods = JSON.parse(offer.tracking_methods) as TrackingMethod[];
  const links = methods.includes('link')
    ? await inChunks(ids, (c) => linksOfMembers(db, actor.workspaceId, offerId, c))
    : [];
  const codes = methods.includes('code')
    ? await inChunks(ids, (c) => codesOfMembers(db, actor.workspaceId, offerId, c))
    : [];
  const payouts = new Map(
    (await listPayoutOptions(db, actor.workspaceId, [offerId])).map((p) => [p.id, payoutOptionView(p, offer.currency)]),
  );
  const deepLinks = JSON.parse(offer.deep_links) as DeepLinkSettings;

  const result: MemberEmailsResult = { queued: [], skipped: [] };
  const skip = (memberId: string, reason: SkipReason) =>
    result.skipped.push({ memberId, reason, message: SKIP_MESSAGES[reason] });
  const now = ctx.clock();
  const rows: repo.EmailRow[] = [];
  for (const memberId of asked ?? ids) {
    const member: MemberRow | undefined = members.get(memberId);
    if (!member || !assignment.has(memberId)) {
      skip(memberId, 'not_on_offer');
      continue;
    }
    if (!member.email) {
      skip(memberId, 'no_email');
      continue;
    }
    const memberLinks = links.filter((l) => l.member_id === memberId && l.status === 'active');
    const memberCodes = codes.filter((c) => c.member_id === memberId && c.status === 'active');
    if (!memberLinks.length && !memberCodes.length) {
      skip(memberId, 'nothing_to_send');
      continue;
    }
    const payout = payouts.get(assignment.get(memberId)!.payout_option_id);
    const rendered = memberLinksEmail({
      brand: workspace.name,
      memberName: member.name,
      offer: {
        name: offer.name,
        conversionType: offer.conversion_type,
        destinationUrl: offer.destination_url,
        endsAt: offer.ends_at,
      },
      baseUrl: linkBase(ctx.baseUrl, offer.tracking_origin),
      links: memberLinks.map((l) => ({ slug: l.slug, deepLinkUrl: l.deep_link_url })),
      codes: memberCodes.map((c) => c.code),
      payout: payout ? { type: payout.type, value: payout.value, currency: offer.currency, tiers: payout.tiers } : null,
      deepLinks: { allowed: deepLinks.allowCreators, domains: deepLinks.extraDomains },
      message: input.message ?? null,
    });
    const row = emailRow(workspace, member.email, 'member_links', rendered, { memberId, offerId }, now);
    rows.push(row);
    result.queued.push({ emailId: row.id, memberId, to: member.email });
  }
  if (rows.length) {
    await db.transaction().execute(async (tx) => {
      await repo.insertEmails(tx, rows);
      await recordAudit(tx, {
        workspaceId: actor.workspaceId,
        actor: actor.actor,
        entity: 'offer',
        entityId: offerId,
        action: 'members_emailed',
        detail: { emails: rows.map((r) => r.id), skipped: result.skipped.length },
        now,
      });
    });
  }
  return ok(result);
}

export interface EmailView {
  id: string;
  kind: string;
  to: string;
  subject: string;
  status: repo.EmailStatus;
  attempts: number;
  memberId: string | null;
  offerId: string | null;
  userId: string | null;
  /** When the next attempt is due (queued emails only). */
  nextAttemptAt: string | null;
  expiresAt: string | null;
  lastError: string | null;
  deliveredVia: string | null;
  note: string | null;
  messageId: string | null;
  createdAt: string;
  sentAt: string | null;
  text?: string;
  html?: string;
}

export function emailView(
  e: Omit<repo.EmailRow, 'body_text' | 'body_html' | 'link_token_hash'> &
    Partial<Pick<repo.EmailRow, 'body_text' | 'body_html'>>,
): EmailView {
  return {
    id: e.id,
    kind: e.kind,
    to: e.to_address,
    subject: e.subject,
    status: e.status,
    attempts: e.attempts,
    memberId: e.member_id,
    offerId: e.offer_id,
    userId: e.user_id,
    nextAttemptAt: e.status === 'queued' ? iso(e.next_attempt_at) : null,
    expiresAt: iso(e.expires_at),
    lastError: e.last_error,
    deliveredVia: e.delivered_via,
    note: e.delivery_note,
    messageId: e.message_id,
    createdAt: iso(e.created_at)!,
    sentAt: iso(e.sent_at),
    ...(e.body_text !== undefined ? { text: e.body_text } : {}),
    ...(e.body_html !== undefined ? { html: e.body_html } : {}),
  };
}

/** The send log (the dashboard's outbox), newest first. */
export async function listEmails(
  ctx: AppContext,
  actor: Actor,
  q: {
    status?: repo.EmailStatus;
    deliveredVia?: 'smtp' | 'outbox';
    kind?: string;
    memberId?: string;
    offerId?: string;
    cursor?: string;
    limit: number;
  },
): Promise<Page<EmailView>> {
  const rows = await repo.listEmails(ctx.store.db, actor.workspaceId, { ...q, before: decodeCursor(q.cursor) });
  return toPage(rows, q.limit, emailView);
}

export async function getEmail(ctx: AppContext, actor: Actor, id: string): Promise<Result<EmailView>> {
  const row = await repo.findEmail(ctx.store.db, actor.workspaceId, id);
  return row ? ok(emailView(row)) : fail('not_found', 'Email not found.');
}

/**
 * Sends a failed or bounced email again, with a fresh set of attempts. A sign-in or setup email goes with a new link
 * (every attempt makes its own, see `dispatchEmails`), so it can be sent again after its old link expired.
 */
export async function retryEmail(ctx: AppContext, actor: Actor, id: string): Promise<Result<EmailView>> {
  const { db } = ctx.store;
  const now = ctx.clock();
  const row = await repo.findEmail(db, actor.workspaceId, id);
  if (!row) return fail('not_found', 'Email not found.');
  if (row.status !== 'failed' && row.status !== 'bounced') {
    return fail('email_not_retryable', `The email is ${row.status}; only a failed or bounced email can be sent again.`);
  }
  const link = LINK_KINDS[row.kind as repo.EmailKind];
  if (!link && row.expires_at !== null && row.expires_at <= now) {
    return fail('email_not_retryable', 'This email is out of date; it can no longer be sent.');
  }
  const expiresAt = link ? now + link.lifetimeMs : row.expires_at;
  if (!(await repo.requeueEmail(db, actor.workspaceId, id, now, expiresAt)))
    return fail('email_not_retryable', 'The email was sent again meanwhile.');
  return getEmail(ctx, actor, id);
}

export interface DispatchResult {
  sent: number;
  /** Failed this time, to be tried again later. */
  retrying: number;
  /** Given up: failed or bounced. */
  failed: number;
}

/**
 * Sends due emails once. Each is claimed for one attempt with a lease (a conditional update), so dispatchers on several
 * instances never send one email at the same time, and a crashed sender's claim expires. An SMTP server that accepted
 * the message just before a crash can get it once more (at-least-once; the Message-ID stays the same).
 */
export async function dispatchEmails(
  ctx: AppContext,
  transport: MailTransport,
  opts: { batch?: number } = {},
): Promise<DispatchResult> {
  const { db } = ctx.store;
  const result: DispatchResult = { sent: 0, retrying: 0, failed: 0 };
  const now = ctx.clock();
  const due = await repo.dueEmailIds(db, now, opts.batch ?? 20);
  await Promise.all(
    due.map(async (id) => {
      const lease = now + LEASE_MS;
      const email = await repo.claimEmail(db, id, now, lease);
      if (!email) return;
      const finish = (patch: Partial<repo.EmailRow>) => repo.finishAttempt(db, id, lease, patch);
      if (email.expires_at !== null && email.expires_at <= now) {
        await finish({
          status: 'failed',
          last_error: 'Not sent: the link in it expired before it could be delivered.',
        });
        result.failed++;
        return;
      }
      if (email.attempts > MAX_ATTEMPTS) {
        // Only after a sender stopped during the last attempt: that attempt's outcome is unknown.
        await finish({
          status: 'failed',
          last_error: email.last_error ?? 'The sender stopped during the last attempt.',
        });
        result.failed++;
        return;
      }
      const body = await withFreshLink(ctx, email, lease, now);
      if (!body.ok) {
        await finish({ status: 'failed', last_error: body.problem.message });
        result.failed++;
        return;
      }
      if (!body.value) return; // another dispatcher took the email over
      const outcome = await transport.send({
        id: email.id,
        to: email.to_address,
        fromName: email.from_name,
        subject: email.subject,
        text: body.value.text,
        html: body.value.html,
      });
      const at = ctx.clock();
      if (outcome.ok) {
        await finish({
          status: 'sent',
          sent_at: at,
          message_id: outcome.messageId,
          delivered_via: outcome.via,
          delivery_note: outcome.note,
          last_error: null,
        });
        result.sent++;
      } else if (outcome.permanent || email.attempts >= MAX_ATTEMPTS) {
        await finish({ status: outcome.bounced ? 'bounced' : 'failed', last_error: outcome.error });
        result.failed++;
      } else {
        await finish({
          status: 'queued',
          last_error: outcome.error,
          next_attempt_at: at + RETRY_DELAYS_MS[email.attempts - 1]!,
        });
        result.retrying++;
      }
    }),
  );
  return result;
}

/**
 * The bodies to send. A sign-in or setup email gets a new single-use token here, stored (as its SHA-256) with the
 * email's previous one revoked, so only the link of the latest attempt works and none is ever readable from the
 * database. Null when the sender no longer holds the email's lease.
 */
async function withFreshLink(
  ctx: AppContext,
  email: repo.EmailRow,
  lease: number,
  now: number,
): Promise<Result<{ text: string; html: string } | null>> {
  const link = LINK_KINDS[email.kind as repo.EmailKind];
  if (!link) return ok({ text: email.body_text, html: email.body_html });
  const { db } = ctx.store;
  const subjectId = link.purpose === 'user_setup' ? email.user_id : email.member_id;
  const subject =
    subjectId &&
    (link.purpose === 'user_setup'
      ? await findUser(db, email.workspace_id, subjectId)
      : await findMember(db, email.workspace_id, subjectId));
  if (!subject) return fail('not_found', 'Not sent: the person it was for no longer exists.');
  const token = newToken();
  const tokenHash = hashToken(token);
  const held = await db.transaction().execute(async (tx) => {
    if (!(await repo.setLinkToken(tx, email.id, lease, tokenHash))) return false;
    if (email.link_token_hash) await revokeOneTimeToken(tx, email.link_token_hash, now);
    await insertOneTimeToken(tx, {
      token_hash: tokenHash,
      purpose: link.purpose,
      workspace_id: email.workspace_id,
      subject_id: subjectId!,
      created_at: now,
      expires_at: now + link.lifetimeMs,
      used_at: null,
    });
    return true;
  });
  if (!held) return ok(null);
  const withToken = (body: string) => body.replaceAll(TOKEN_SLOT, `?token=${token}`);
  return ok({ text: withToken(email.body_text), html: withToken(email.body_html) });
}
