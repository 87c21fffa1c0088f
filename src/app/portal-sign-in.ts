// Members sign in to the creator portal from an emailed magic link (single use, 15 minutes); their sessions.
import { hashToken, newToken } from '../core/passwords.js';
import { fail, ok, type Result } from '../core/result.js';
import * as repo from '../db/users.js';
import type { AppContext } from './context.js';
import { queueMagicLinkEmail } from './emails.js';
import { newSession, slidExpiry, type NewSession } from './sessions.js';
import { takeAttempts } from './throttle.js';

/** A sign-in link works once, for 15 minutes. */
export const LOGIN_LINK_MS = 15 * 60_000;
/** Sign-in links asked for per email address, and per client IP, within the throttle window (15 minutes). */
export const LINKS_MAX_PER_EMAIL = 5;
export const LINKS_MAX_PER_IP = 30;

export interface MemberSession {
  tokenHash: string;
  csrfToken: string;
  memberId: string;
  workspaceId: string;
}

export interface IssuedLink {
  workspaceId: string;
  memberId: string;
  email: string;
  /** The queued email; its link is made when it is sent. */
  emailId: string;
}

/** A single-use sign-in link for one member (not emailed: for callers that deliver it themselves). */
export async function issueLoginLink(ctx: AppContext, workspaceId: string, memberId: string): Promise<string> {
  const now = ctx.clock();
  const token = newToken();
  await repo.insertOneTimeToken(ctx.store.db, {
    token_hash: hashToken(token),
    purpose: 'member_login',
    workspace_id: workspaceId,
    subject_id: memberId,
    created_at: now,
    expires_at: now + LOGIN_LINK_MS,
    used_at: null,
  });
  return `${ctx.baseUrl}/p/auth?token=${token}`;
}

/**
 * "Email me a sign-in link". The answer never says whether the address is known; attempts are counted whether it is
 * or not, so the limit tells nothing either. A member in several workspaces gets one email per workspace; the link in
 * it is made when it is sent, so no copy of it is kept. Returns what was queued, for tests; the route only says
 * "accepted".
 */
export async function requestLoginLink(
  ctx: AppContext,
  input: { email: string; ip: string },
): Promise<Result<IssuedLink[]>> {
  const email = input.email.trim().toLowerCase();
  const limits = [
    { scope: 'portal-link-email', value: email, max: LINKS_MAX_PER_EMAIL },
    { scope: 'portal-link-ip', value: input.ip, max: LINKS_MAX_PER_IP },
  ];
  if (!(await takeAttempts(ctx, limits)))
    return fail('rate_limited', 'Too many sign-in links asked for. Try again in 15 minutes.');
  if (!email) return ok([]);
  const members = await ctx.store.db
    .selectFrom('members as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['m.id', 'm.workspace_id', 'm.name', 'w.name as workspace_name'])
    .where('m.email', '=', email)
    .execute();
  const issued: IssuedLink[] = [];
  for (const m of members) {
    const emailId = await queueMagicLinkEmail(
      ctx.store.db,
      { id: m.workspace_id, name: m.workspace_name },
      { id: m.id, name: m.name, email },
      ctx.baseUrl,
      ctx.clock(),
    );
    issued.push({ workspaceId: m.workspace_id, memberId: m.id, email, emailId: emailId! });
  }
  return ok(issued);
}

/** Uses a sign-in link (once, within 15 minutes) and opens a member session. */
export async function consumeLoginLink(
  ctx: AppContext,
  token: string,
  browserCsrf?: string,
): Promise<Result<NewSession & { memberId: string; workspaceId: string }>> {
  const now = ctx.clock();
  const used = await repo.consumeOneTimeToken(ctx.store.db, hashToken(token), 'member_login', now);
  if (!used) return fail('link_invalid', 'This sign-in link has expired or was already used. Ask for a new one.');
  const session = newSession(now, browserCsrf);
  await repo.insertMemberSession(ctx.store.db, {
    token_hash: session.tokenHash,
    member_id: used.subject_id,
    workspace_id: used.workspace_id,
    csrf_token: session.csrfToken,
    created_at: now,
    last_seen_at: now,
    expires_at: session.expiresAt,
  });
  return ok({ ...session, memberId: used.subject_id, workspaceId: used.workspace_id });
}

/** The member session behind a cookie's token, or null (also when the member was deleted). */
export async function memberSession(ctx: AppContext, token: string): Promise<MemberSession | null> {
  const now = ctx.clock();
  const tokenHash = hashToken(token);
  const s = await repo.findMemberSession(ctx.store.db, tokenHash, now);
  if (!s) return null;
  const expiry = slidExpiry(s, now);
  if (expiry !== null) await repo.touchSession(ctx.store.db, 'member_sessions', tokenHash, now, expiry);
  return { tokenHash, csrfToken: s.csrf_token, memberId: s.member_id, workspaceId: s.workspace_id };
}

export async function portalLogout(ctx: AppContext, token: string): Promise<void> {
  await repo.deleteSession(ctx.store.db, 'member_sessions', hashToken(token));
}
