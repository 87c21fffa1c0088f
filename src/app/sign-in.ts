// Signing in to the dashboard: password login (throttled), sessions, password change, setup links followed.
import { dummyHash, hashPassword, hashToken, needsRehash, passwordProblem, verifyPassword } from '../core/passwords.js';
import { fail, ok, type Result } from '../core/result.js';
import { recordAudit } from '../db/audit.js';
import * as repo from '../db/users.js';
import { findWorkspace } from '../db/workspaces.js';
import type { AppContext } from './context.js';
import { newSession, slidExpiry, type NewSession } from './sessions.js';
import { forgetAttempts, returnAttempts, takeAttempts, type Limit } from './throttle.js';
import { normalizeEmail, userView, type UserView } from './users.js';

/** Failed logins per account, and per client IP, within the throttle window (15 minutes). */
export const LOGIN_MAX_PER_EMAIL = 5;
export const LOGIN_MAX_PER_IP = 50;

/** The signed-in user of a request, as the HTTP layer keeps it. */
export interface UserSession {
  tokenHash: string;
  csrfToken: string;
  user: UserView;
  workspaceId: string;
}

export interface SignedIn {
  session: NewSession;
  user: UserView;
  workspace: WorkspaceRef;
}

/** The workspace as the dashboard's shell knows it: its zone dates every page (web/app/auth.tsx useTimeZone). */
interface WorkspaceRef {
  id: string;
  name: string;
  timezone: string;
}

const workspaceRef = (id: string, ws: { name: string; timezone: string } | undefined): WorkspaceRef => ({
  id,
  name: ws?.name ?? '',
  timezone: ws?.timezone ?? 'UTC',
});

async function startSession(ctx: AppContext, user: repo.UserRow, browserCsrf?: string): Promise<SignedIn> {
  const now = ctx.clock();
  const session = newSession(now, browserCsrf);
  await repo.insertUserSession(ctx.store.db, {
    token_hash: session.tokenHash,
    user_id: user.id,
    workspace_id: user.workspace_id,
    csrf_token: session.csrfToken,
    created_at: now,
    last_seen_at: now,
    expires_at: session.expiresAt,
  });
  await repo.updateUser(ctx.store.db, user.workspace_id, user.id, { last_login_at: now });
  const ws = await findWorkspace(ctx.store.db, user.workspace_id);
  return { session, user: userView(user), workspace: workspaceRef(user.workspace_id, ws) };
}

export async function login(
  ctx: AppContext,
  input: { email: string; password: string; ip: string; browserCsrf?: string },
): Promise<Result<SignedIn>> {
  const email = normalizeEmail(input.email);
  const byEmail: Limit = { scope: 'login-email', value: email, max: LOGIN_MAX_PER_EMAIL };
  const byIp: Limit = { scope: 'login-ip', value: input.ip, max: LOGIN_MAX_PER_IP };
  // Counted before the password is checked, as a failure until it proves right: once locked, even the right password
  // waits, or guessing would simply continue; and parallel guesses cannot all pass a check made before any is counted.
  if (!(await takeAttempts(ctx, [byEmail, byIp])))
    return fail('rate_limited', 'Too many failed sign-ins. Try again in 15 minutes.');
  const user = await repo.findUserByEmail(ctx.store.db, email);
  // An unknown email (or a user without a password yet) costs the same scrypt work as a wrong password.
  const matches = await verifyPassword(input.password, user?.password_hash ?? (await dummyHash()));
  if (!user || !user.password_hash || !matches)
    return fail('invalid_credentials', 'The email or the password is not right.');
  await forgetAttempts(ctx, byEmail);
  await returnAttempts(ctx, [byIp]);
  if (needsRehash(user.password_hash)) {
    await repo.updateUser(ctx.store.db, user.workspace_id, user.id, {
      password_hash: await hashPassword(input.password),
    });
  }
  return ok(await startSession(ctx, user, input.browserCsrf));
}

/** The session behind a cookie's token, or null; slides its expiry at most once a minute. */
export async function userSession(ctx: AppContext, token: string): Promise<UserSession | null> {
  const now = ctx.clock();
  const tokenHash = hashToken(token);
  const s = await repo.findUserSession(ctx.store.db, tokenHash, now);
  if (!s) return null;
  const expiry = slidExpiry(s, now);
  if (expiry !== null) await repo.touchSession(ctx.store.db, 'user_sessions', tokenHash, now, expiry);
  return { tokenHash, csrfToken: s.csrf_token, user: userView(s), workspaceId: s.workspace_id };
}

export async function logout(ctx: AppContext, token: string): Promise<void> {
  await repo.deleteSession(ctx.store.db, 'user_sessions', hashToken(token));
}

export async function me(ctx: AppContext, session: UserSession): Promise<{ user: UserView; workspace: WorkspaceRef }> {
  const ws = await findWorkspace(ctx.store.db, session.workspaceId);
  return { user: session.user, workspace: workspaceRef(session.workspaceId, ws) };
}

function passwordFailure(path: string, code: 'password_too_short' | 'password_too_long'): Result<never> {
  const message = code === 'password_too_short' ? 'Use at least 10 characters.' : 'Use at most 200 characters.';
  return fail('validation_failed', 'The new password cannot be used.', [{ path, code, message }]);
}

/** A new password for the signed-in user; every other browser of theirs is signed out. */
export async function changePassword(
  ctx: AppContext,
  session: UserSession,
  input: { currentPassword: string; newPassword: string; ip: string },
): Promise<Result<{ user: UserView }>> {
  const { db } = ctx.store;
  const user = await repo.findUser(db, session.workspaceId, session.user.id);
  if (!user) return fail('unauthorized', 'Sign in again.');
  const limits: Limit[] = [
    { scope: 'login-email', value: user.email, max: LOGIN_MAX_PER_EMAIL },
    { scope: 'login-ip', value: input.ip, max: LOGIN_MAX_PER_IP },
  ];
  if (!(await takeAttempts(ctx, limits)))
    return fail('rate_limited', 'Too many failed attempts. Try again in 15 minutes.');
  if (!user.password_hash || !(await verifyPassword(input.currentPassword, user.password_hash))) {
    return fail('invalid_credentials', 'The current password is not right.');
  }
  await returnAttempts(ctx, limits);
  const problem = passwordProblem(input.newPassword);
  if (problem) return passwordFailure('newPassword', problem);
  const now = ctx.clock();
  const patch = { password_hash: await hashPassword(input.newPassword), must_change_password: 0, updated_at: now };
  await repo.updateUser(db, user.workspace_id, user.id, patch);
  await repo.deleteUserSessions(db, user.id, session.tokenHash);
  await recordAudit(db, {
    workspaceId: user.workspace_id,
    actor: `user:${user.id}`,
    entity: 'user',
    entityId: user.id,
    action: 'password_changed',
    now,
  });
  return ok({ user: userView({ ...user, ...patch }) });
}

const LINK_INVALID = 'This setup link has expired or was already used. Ask an owner for a new one.';

/** Whom a setup link is for, without using it, so the page can greet them by name. */
export async function setupLinkInfo(
  ctx: AppContext,
  token: string,
): Promise<Result<{ email: string; name: string; workspace: { id: string; name: string } }>> {
  const { db } = ctx.store;
  const pending = await repo.findOneTimeToken(db, hashToken(token), 'user_setup', ctx.clock());
  const user = pending ? await repo.findUser(db, pending.workspace_id, pending.subject_id) : undefined;
  if (!user) return fail('link_invalid', LINK_INVALID);
  const ws = await findWorkspace(db, user.workspace_id);
  return ok({ email: user.email, name: user.name, workspace: { id: user.workspace_id, name: ws?.name ?? '' } });
}

/** Follows a setup link: sets the password and signs in; the user's other setup links end. A bad password leaves the link usable. */
export async function setupAccount(
  ctx: AppContext,
  input: { token: string; password: string; browserCsrf?: string },
): Promise<Result<SignedIn>> {
  const { db } = ctx.store;
  const tokenHash = hashToken(input.token);
  const pending = await repo.findOneTimeToken(db, tokenHash, 'user_setup', ctx.clock());
  if (!pending) return fail('link_invalid', LINK_INVALID);
  const problem = passwordProblem(input.password);
  if (problem) return passwordFailure('password', problem);
  const hash = await hashPassword(input.password);
  const now = ctx.clock();
  const user = await db.transaction().execute(async (tx) => {
    if (!(await repo.consumeOneTimeToken(tx, tokenHash, 'user_setup', now))) return null;
    // The account is set up: its other setup links (the owner's copy, an emailed one) must not reset it later.
    await repo.revokeOneTimeTokens(tx, pending.subject_id, 'user_setup', now);
    await repo.updateUser(tx, pending.workspace_id, pending.subject_id, {
      password_hash: hash,
      must_change_password: 0,
      updated_at: now,
    });
    await repo.deleteUserSessions(tx, pending.subject_id);
    return repo.findUser(tx, pending.workspace_id, pending.subject_id);
  });
  if (!user) return fail('link_invalid', LINK_INVALID);
  return ok(await startSession(ctx, user, input.browserCsrf));
}
