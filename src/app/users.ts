// The brand's users: invitations and setup links, roles, removal, and the first owner of an installation.
// Signing in (passwords, sessions) is app/sign-in.ts.
import { newId } from '../core/ids.js';
import { hashPassword, hashToken, newOneTimePassword, newToken } from '../core/passwords.js';
import { fail, ok, type Result } from '../core/result.js';
import type { Kysely, Transaction } from 'kysely';
import { recordAudit } from '../db/audit.js';
import { uniqueViolation } from '../db/dialect/index.js';
import type { Database } from '../db/schema.js';
import * as repo from '../db/users.js';
import { findWorkspace } from '../db/workspaces.js';
import type { Actor, AppContext } from './context.js';
import { SETUP_LINK_HOURS } from '../email/templates.js';
import { queueUserInviteEmail } from './emails.js';
import { purgeEndedAttempts } from './throttle.js';

export type Role = repo.Role;
export const ROLES: readonly Role[] = ['owner', 'manager', 'viewer'];

/** A setup link (new user, or a password reset by an owner) works once, for 72 hours. */
export const SETUP_LINK_MS = SETUP_LINK_HOURS * 3_600_000;

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  mustChangePassword: boolean;
}

export interface UserListItem extends UserView {
  /** True until the user has set a password from their setup link. */
  invited: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export function userView(u: Pick<repo.UserRow, 'id' | 'email' | 'name' | 'role' | 'must_change_password'>): UserView {
  return { id: u.id, email: u.email, name: u.name, role: u.role, mustChangePassword: u.must_change_password === 1 };
}

function listItem(u: repo.UserRow): UserListItem {
  return {
    ...userView(u),
    invited: u.password_hash === null,
    createdAt: new Date(u.created_at).toISOString(),
    lastLoginAt: u.last_login_at === null ? null : new Date(u.last_login_at).toISOString(),
  };
}

// Looser than a member's address on purpose: the default first owner is "owner@localhost".
const EMAIL_RE = /^[^\s@<>()",;]+@[^\s@<>()",;]+$/;

export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/**
 * A new setup link for the user (earlier ones stop working), shown once to whoever asked for it, and an email queued in
 * the same transaction. The email carries a link of its own, made when it is sent (app/emails.ts), so this one is never
 * stored anywhere but as its hash.
 */
async function issueSetupLink(
  ctx: AppContext,
  user: repo.UserRow,
  invitedBy: string | null,
): Promise<{ setupUrl: string; expiresAt: string }> {
  const now = ctx.clock();
  const token = newToken();
  const setupUrl = `${ctx.baseUrl}/app/setup?token=${token}`;
  const ws = await findWorkspace(ctx.store.db, user.workspace_id);
  await ctx.store.db.transaction().execute(async (tx) => {
    await repo.revokeOneTimeTokens(tx, user.id, 'user_setup', now);
    await repo.insertOneTimeToken(tx, {
      token_hash: hashToken(token),
      purpose: 'user_setup',
      workspace_id: user.workspace_id,
      subject_id: user.id,
      created_at: now,
      expires_at: now + SETUP_LINK_MS,
      used_at: null,
    });
    await queueUserInviteEmail(tx, { id: user.workspace_id, name: ws?.name ?? '' }, user, ctx.baseUrl, now, {
      invitedBy,
      role: user.role,
    });
  });
  return { setupUrl, expiresAt: new Date(now + SETUP_LINK_MS).toISOString() };
}

/** The inviting person's name for the email ("Marie invited you"); an API key or the CLI has none. */
async function actorName(db: Kysely<Database> | Transaction<Database>, actor: Actor): Promise<string | null> {
  if (!actor.actor.startsWith('user:')) return null;
  return (await repo.findUser(db, actor.workspaceId, actor.actor.slice(5)))?.name ?? null;
}

export async function listUsers(ctx: AppContext, actor: Actor): Promise<{ data: UserListItem[] }> {
  return { data: (await repo.listUsers(ctx.store.db, actor.workspaceId)).map(listItem) };
}

export interface Invitation {
  user: UserListItem;
  /** Shown to the owner too, so an invitation works without email. */
  setupUrl: string;
  expiresAt: string;
}

/** A new user of the workspace, who sets their own password from a setup link. */
export async function createUser(
  ctx: AppContext,
  actor: Actor,
  input: { email: string; name: string; role: Role },
): Promise<Result<Invitation>> {
  const email = normalizeEmail(input.email);
  const name = input.name.trim();
  const details = [];
  if (!EMAIL_RE.test(email) || email.length > 254)
    details.push({ path: 'email', code: 'email_invalid', message: `"${input.email}" is not an email address.` });
  if (!name) details.push({ path: 'name', code: 'required', message: 'A user needs a name.' });
  if (details.length) return fail('validation_failed', 'Some fields are not valid.', details);
  const now = ctx.clock();
  const row: repo.UserRow = {
    id: newId('usr', now),
    workspace_id: actor.workspaceId,
    email,
    name,
    role: input.role,
    password_hash: null,
    must_change_password: 0,
    created_at: now,
    updated_at: now,
    last_login_at: null,
  };
  try {
    await repo.insertUser(ctx.store.db, row);
  } catch (e) {
    if (uniqueViolation(e)) return fail('email_taken', 'A user with this email address already exists.');
    throw e;
  }
  await recordAudit(ctx.store.db, {
    ...actor,
    entity: 'user',
    entityId: row.id,
    action: 'created',
    detail: { after: { email, name, role: input.role } },
    now,
  });
  const link = await issueSetupLink(ctx, row, await actorName(ctx.store.db, actor));
  return ok({ user: listItem(row), ...link });
}

/** A fresh setup link for an existing user (a forgotten password, a lost invitation); earlier links stop working. */
export async function newSetupLink(
  ctx: AppContext,
  actor: Actor,
  id: string,
): Promise<Result<{ setupUrl: string; expiresAt: string }>> {
  const user = await repo.findUser(ctx.store.db, actor.workspaceId, id);
  if (!user) return fail('not_found', 'User not found.');
  const link = await issueSetupLink(ctx, user, await actorName(ctx.store.db, actor));
  await recordAudit(ctx.store.db, {
    ...actor,
    entity: 'user',
    entityId: id,
    action: 'setup_link_issued',
    now: ctx.clock(),
  });
  return ok(link);
}

const LAST_OWNER = 'The workspace must keep at least one owner.';

export async function updateUser(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: { role?: Role; name?: string },
): Promise<Result<UserListItem>> {
  if (input.name !== undefined && !input.name.trim())
    return fail('validation_failed', 'Some fields are not valid.', [
      { path: 'name', code: 'required', message: 'Name is empty.' },
    ]);
  const now = ctx.clock();
  const { store } = ctx;
  const result = await store.db.transaction().execute(async (tx): Promise<Result<repo.UserRow>> => {
    const owners = await repo.lockOwners(tx, actor.workspaceId);
    const user = await repo.findUser(tx, actor.workspaceId, id);
    if (!user) return fail('not_found', 'User not found.');
    if (input.role && input.role !== 'owner' && owners.length === 1 && owners[0] === id)
      return fail('last_owner', LAST_OWNER);
    const patch = {
      ...(input.role ? { role: input.role } : {}),
      ...(input.name ? { name: input.name.trim() } : {}),
      updated_at: now,
    };
    await repo.updateUser(tx, actor.workspaceId, id, patch);
    return ok({ ...user, ...patch });
  });
  if (!result.ok) return result;
  await recordAudit(store.db, {
    ...actor,
    entity: 'user',
    entityId: id,
    action: 'updated',
    detail: { after: input },
    now,
  });
  return ok(listItem(result.value));
}

export async function deleteUser(ctx: AppContext, actor: Actor, id: string): Promise<Result<{ deleted: true }>> {
  const { store } = ctx;
  const result = await store.db.transaction().execute(async (tx): Promise<Result<repo.UserRow>> => {
    const owners = await repo.lockOwners(tx, actor.workspaceId);
    const user = await repo.findUser(tx, actor.workspaceId, id);
    if (!user) return fail('not_found', 'User not found.');
    if (owners.length === 1 && owners[0] === id) return fail('last_owner', LAST_OWNER);
    await repo.deleteUser(tx, actor.workspaceId, id);
    return ok(user);
  });
  if (!result.ok) return result;
  const u = result.value;
  await recordAudit(store.db, {
    ...actor,
    entity: 'user',
    entityId: id,
    action: 'deleted',
    detail: { before: { email: u.email, name: u.name, role: u.role } },
    now: ctx.clock(),
  });
  return ok({ deleted: true });
}

export interface OwnerLogin {
  workspaceId: string;
  email: string;
  /** One-time: the dashboard asks for a new password after the first sign-in. */
  password: string;
}

/**
 * The first owner of a workspace, with a printed one-time password. Null when the workspace already has users or the
 * email already signs in elsewhere (an email names one user): the caller says how to add one instead.
 */
export async function createFirstOwner(
  ctx: AppContext,
  workspaceId: string,
  rawEmail: string,
): Promise<OwnerLogin | null> {
  const { db } = ctx.store;
  if ((await repo.countUsers(db, workspaceId)) > 0) return null;
  const email = normalizeEmail(rawEmail);
  const password = newOneTimePassword();
  const now = ctx.clock();
  const row: repo.UserRow = {
    id: newId('usr', now),
    workspace_id: workspaceId,
    email,
    name: 'Owner',
    role: 'owner',
    password_hash: await hashPassword(password),
    must_change_password: 1,
    created_at: now,
    updated_at: now,
    last_login_at: null,
  };
  try {
    await repo.insertUser(db, row);
  } catch (e) {
    // Another instance starting at the same moment made it first.
    if (uniqueViolation(e)) return null;
    throw e;
  }
  await recordAudit(db, {
    workspaceId,
    actor: 'system:first-start',
    entity: 'user',
    entityId: row.id,
    action: 'created',
    detail: { after: { email, role: 'owner' } },
    now,
  });
  return { workspaceId, email, password };
}

/** The CLI's way back in: a new one-time password; the user's sessions and pending links end. */
export async function resetPassword(ctx: AppContext, rawEmail: string): Promise<Result<OwnerLogin>> {
  const { db } = ctx.store;
  const user = await repo.findUserByEmail(db, normalizeEmail(rawEmail));
  if (!user) return fail('not_found', `No user with the email ${rawEmail}.`);
  const password = newOneTimePassword();
  const now = ctx.clock();
  await repo.updateUser(db, user.workspace_id, user.id, {
    password_hash: await hashPassword(password),
    must_change_password: 1,
    updated_at: now,
  });
  await repo.deleteUserSessions(db, user.id);
  await repo.revokeOneTimeTokens(db, user.id, 'user_setup', now);
  await recordAudit(db, {
    workspaceId: user.workspace_id,
    actor: 'cli',
    entity: 'user',
    entityId: user.id,
    action: 'password_reset',
    now,
  });
  return ok({ workspaceId: user.workspace_id, email: user.email, password });
}

export async function usersExist(ctx: AppContext): Promise<boolean> {
  return !!(await ctx.store.db.selectFrom('users').select('id').limit(1).executeTakeFirst());
}

/** Deletes ended sessions (users' and members'), expired one-time links and ended attempt counts. */
export async function purgeExpiredSessions(ctx: AppContext): Promise<void> {
  await repo.deleteExpired(ctx.store.db, ctx.clock());
  await purgeEndedAttempts(ctx);
}
