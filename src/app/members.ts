// Members (creators): create, edit, search, delete while they have no activity, and all-or-nothing bulk import.
import { newId } from '../core/ids.js';
import { fail, ok, type ProblemDetail, type Result } from '../core/result.js';
import { recordAudit } from '../db/audit.js';
import { uniqueViolation } from '../db/dialect/index.js';
import * as repo from '../db/members.js';
import { decodeCursor, toPage, type Actor, type AppContext, type Page } from './context.js';
import { readSheet, type TabularFormat } from './tabular.js';
import { MAX_REACH, type Member } from '../contract/members.js';

export interface MemberInput {
  name?: string;
  email?: string | null;
  instagram?: string | null;
  tiktok?: string | null;
  youtube?: string | null;
  reach?: number | null;
  project?: string | null;
  tags?: string[];
  externalId?: string | null;
}

/** A member as the API answers it (contract/members.ts). */
export type MemberView = Member;

export function memberView(m: repo.MemberRow): MemberView {
  return {
    id: m.id,
    name: m.name,
    email: m.email,
    instagram: m.instagram,
    tiktok: m.tiktok,
    youtube: m.youtube,
    reach: m.reach,
    project: m.project,
    tags: JSON.parse(m.tags) as string[],
    externalId: m.external_id,
    createdAt: new Date(m.created_at).toISOString(),
    updatedAt: new Date(m.updated_at).toISOString(),
  };
}

const EMAIL_RE = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]{2,}$/;

/** "@Marie.K", "https://www.instagram.com/marie.k/" -> "marie.k" */
export function normalizeHandle(raw: string): string {
  let h = raw.trim();
  const url =
    /^(?:https?:\/\/)?(?:www\.|m\.)?(?:instagram\.com|tiktok\.com|youtube\.com)\/(?:c\/|channel\/|user\/)?@?([^/?#]+)/i.exec(
      h,
    );
  if (url) h = url[1]!;
  return h.replace(/^@/, '').toLowerCase();
}

/** Validates and normalizes member fields; `problems` gets one entry per bad field. */
function toColumns(input: MemberInput, problems: ProblemDetail[], creating: boolean): Partial<repo.MemberRow> {
  const cols: Partial<repo.MemberRow> = {};
  const blank = (v: string | null | undefined) =>
    v === undefined ? undefined : v === null || !v.trim() ? null : v.trim();
  if (input.name !== undefined || creating) {
    const name = (input.name ?? '').trim();
    if (!name) problems.push({ path: 'name', code: 'required', message: 'A member needs a name.' });
    else if (name.length > 200)
      problems.push({ path: 'name', code: 'too_long', message: 'The name is longer than 200 characters.' });
    cols.name = name;
  }
  const email = blank(input.email);
  if (email !== undefined) {
    if (email !== null && !EMAIL_RE.test(email))
      problems.push({ path: 'email', code: 'email_invalid', message: `"${email}" is not an email address.` });
    cols.email = email?.toLowerCase() ?? null;
  }
  for (const key of ['instagram', 'tiktok', 'youtube'] as const) {
    const v = blank(input[key]);
    if (v !== undefined) {
      const handle = v === null ? null : normalizeHandle(v);
      if (handle !== null && !/^[a-z0-9._-]{1,100}$/.test(handle)) {
        problems.push({ path: key, code: 'handle_invalid', message: `"${v}" is not a ${key} handle.` });
      }
      cols[key] = handle;
    }
  }
  if (input.reach !== undefined) {
    if (input.reach !== null && (!Number.isSafeInteger(input.reach) || input.reach < 0 || input.reach > MAX_REACH)) {
      problems.push({
        path: 'reach',
        code: 'reach_invalid',
        message: `Reach is a whole number of followers, at most ${MAX_REACH}.`,
      });
    }
    cols.reach = input.reach;
  }
  if (input.project !== undefined) cols.project = blank(input.project) ?? null;
  if (input.tags !== undefined)
    cols.tags = JSON.stringify([...new Set(input.tags.map((t) => t.trim()).filter(Boolean))]);
  if (input.externalId !== undefined) cols.external_id = blank(input.externalId) ?? null;
  return cols;
}

function conflictOf(err: unknown): Result<never> | null {
  const v = uniqueViolation(err);
  if (!v) return null;
  if (/external/.test(v.index)) return fail('external_id_taken', 'Another member already has this external id.');
  return fail('email_taken', 'Another member already has this email address.');
}

export async function createMember(ctx: AppContext, actor: Actor, input: MemberInput): Promise<Result<MemberView>> {
  const problems: ProblemDetail[] = [];
  const cols = toColumns(input, problems, true);
  if (problems.length) return fail('validation_failed', 'Some fields are not valid.', problems);
  const now = ctx.clock();
  const row: repo.MemberRow = {
    id: newId('mem', now),
    workspace_id: actor.workspaceId,
    name: cols.name!,
    email: cols.email ?? null,
    instagram: cols.instagram ?? null,
    tiktok: cols.tiktok ?? null,
    youtube: cols.youtube ?? null,
    reach: cols.reach ?? null,
    project: cols.project ?? null,
    tags: cols.tags ?? '[]',
    external_id: cols.external_id ?? null,
    created_at: now,
    updated_at: now,
  };
  try {
    await repo.insertMembers(ctx.store.db, [row]);
  } catch (e) {
    return conflictOf(e) ?? Promise.reject(e);
  }
  return ok(memberView(row));
}

export async function getMember(ctx: AppContext, actor: Actor, id: string): Promise<Result<MemberView>> {
  const m = await repo.findMember(ctx.store.db, actor.workspaceId, id);
  return m ? ok(memberView(m)) : fail('not_found', 'Member not found.');
}

export async function listMembers(
  ctx: AppContext,
  actor: Actor,
  q: { q?: string; tag?: string; project?: string; cursor?: string; limit: number },
): Promise<Page<MemberView>> {
  const rows = await repo.listMembers(ctx.store.db, actor.workspaceId, { ...q, before: decodeCursor(q.cursor) });
  return toPage(rows, q.limit, memberView);
}

export async function updateMember(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: MemberInput,
): Promise<Result<MemberView>> {
  const { db } = ctx.store;
  const current = await repo.findMember(db, actor.workspaceId, id);
  if (!current) return fail('not_found', 'Member not found.');
  const problems: ProblemDetail[] = [];
  const cols = toColumns(input, problems, false);
  if (problems.length) return fail('validation_failed', 'Some fields are not valid.', problems);
  const now = ctx.clock();
  try {
    await repo.updateMemberRow(db, actor.workspaceId, id, { ...cols, updated_at: now });
  } catch (e) {
    return conflictOf(e) ?? Promise.reject(e);
  }
  // Dynamic UTM values (creator name, handles) come from the member.
  await ctx.trackingChanged({ kind: 'member', id });
  return getMember(ctx, actor, id);
}

/** A member with tracked activity is kept (their numbers must stay explainable); one without is removed with their links and codes. */
export async function deleteMember(ctx: AppContext, actor: Actor, id: string): Promise<Result<{ deleted: true }>> {
  const { db } = ctx.store;
  const current = await repo.findMember(db, actor.workspaceId, id);
  if (!current) return fail('not_found', 'Member not found.');
  if (await repo.memberHasActivity(db, actor.workspaceId, id)) {
    return fail(
      'member_has_activity',
      'This member has clicks or conversions and cannot be deleted; remove them from their offers instead.',
    );
  }
  const now = ctx.clock();
  await db.transaction().execute(async (tx) => {
    await repo.deleteMemberCascade(tx, actor.workspaceId, id);
    await recordAudit(tx, {
      ...actor,
      entity: 'member',
      entityId: id,
      action: 'deleted',
      detail: { before: current },
      now,
    });
  });
  await ctx.trackingChanged({ kind: 'member', id });
  return ok({ deleted: true });
}

const COLUMN_ALIASES: Record<string, keyof MemberInput> = {
  name: 'name',
  full_name: 'name',
  creator: 'name',
  creator_name: 'name',
  email: 'email',
  email_address: 'email',
  e_mail: 'email',
  instagram: 'instagram',
  instagram_handle: 'instagram',
  ig: 'instagram',
  tiktok: 'tiktok',
  tiktok_handle: 'tiktok',
  youtube: 'youtube',
  youtube_channel: 'youtube',
  reach: 'reach',
  followers: 'reach',
  project: 'project',
  group: 'project',
  tags: 'tags',
  external_id: 'externalId',
  externalid: 'externalId',
  id: 'externalId',
};

export interface ImportReport {
  created: number;
  updated: number;
}

/**
 * Imports members from CSV or XLSX. A row whose email or external id matches a member updates it; others are created.
 * All or nothing: any bad row and nothing is written; the answer lists every bad row with its line.
 */
export async function importMembers(
  ctx: AppContext,
  actor: Actor,
  body: Buffer,
  format: TabularFormat,
): Promise<Result<ImportReport>> {
  const sheet = await readSheet(body, format);
  if (!sheet.ok) return sheet;
  const known = sheet.value.header.map((h) => COLUMN_ALIASES[h]);
  if (!known.includes('name')) {
    return fail('import_invalid', 'The file needs a "name" column.', [
      { line: 1, path: 'name', code: 'column_missing', message: 'No "name" column in the header.' },
    ]);
  }
  const problems: ProblemDetail[] = [];
  const parsed: { line: number; cols: Partial<repo.MemberRow> }[] = [];
  const seenEmail = new Map<string, number>();
  const seenExternal = new Map<string, number>();
  for (const { line, cells } of sheet.value.rows) {
    const input: MemberInput = {};
    const rowProblems: ProblemDetail[] = [];
    for (const [header, value] of Object.entries(cells)) {
      const field = COLUMN_ALIASES[header];
      if (!field || value === '') continue;
      if (field === 'reach') {
        const n = Number(value.replace(/[,_\s]/g, ''));
        input.reach = Number.isSafeInteger(n) ? n : -1;
      } else if (field === 'tags') input.tags = value.split(/[;,|]/);
      else (input as Record<string, string>)[field] = value;
    }
    const cols = toColumns(input, rowProblems, true);
    if (cols.email) {
      const first = seenEmail.get(cols.email);
      if (first)
        rowProblems.push({ path: 'email', code: 'duplicate_in_file', message: `The same email is on line ${first}.` });
      else seenEmail.set(cols.email, line);
    }
    if (cols.external_id) {
      const first = seenExternal.get(cols.external_id);
      if (first)
        rowProblems.push({
          path: 'external_id',
          code: 'duplicate_in_file',
          message: `The same external id is on line ${first}.`,
        });
      else seenExternal.set(cols.external_id, line);
    }
    problems.push(...rowProblems.map((p) => ({ ...p, line })));
    parsed.push({ line, cols });
  }
  if (!parsed.length) return fail('import_invalid', 'The file has no rows to import.');
  if (problems.length)
    return fail(
      'import_invalid',
      `${new Set(problems.map((p) => p.line)).size} row(s) have problems; nothing was imported.`,
      problems,
    );

  const { db } = ctx.store;
  const existing = await repo.findMembersByEmailOrExternalId(
    db,
    actor.workspaceId,
    [...seenEmail.keys()],
    [...seenExternal.keys()],
  );
  const byExternal = new Map(existing.filter((m) => m.external_id).map((m) => [m.external_id!, m]));
  const byEmail = new Map(existing.filter((m) => m.email).map((m) => [m.email!.toLowerCase(), m]));
  const now = ctx.clock();
  const creates: repo.MemberRow[] = [];
  const updates: { id: string; cols: Partial<repo.MemberRow> }[] = [];
  const claimed = new Map<string, number>();
  for (const { line, cols } of parsed) {
    const match =
      (cols.external_id && byExternal.get(cols.external_id)) || (cols.email && byEmail.get(cols.email)) || undefined;
    // Matched by external id, but the email is another member's: say which row, rather than fail on the unique index.
    const emailOwner = cols.email ? byEmail.get(cols.email) : undefined;
    if (match && emailOwner && emailOwner.id !== match.id) {
      problems.push({
        line,
        path: 'email',
        code: 'email_taken',
        message: `Another member (${emailOwner.name}) already has this email address.`,
      });
    }
    if (match) {
      const other = claimed.get(match.id);
      if (other)
        problems.push({ line, code: 'duplicate_in_file', message: `Line ${other} already updates the same member.` });
      claimed.set(match.id, line);
      // Blank cells leave the stored value alone on an update.
      const patch = Object.fromEntries(Object.entries(cols).filter(([, v]) => v !== null && v !== '[]'));
      updates.push({ id: match.id, cols: { ...patch, updated_at: now } });
    } else {
      creates.push({
        id: newId('mem', now),
        workspace_id: actor.workspaceId,
        name: cols.name!,
        email: cols.email ?? null,
        instagram: cols.instagram ?? null,
        tiktok: cols.tiktok ?? null,
        youtube: cols.youtube ?? null,
        reach: cols.reach ?? null,
        project: cols.project ?? null,
        tags: cols.tags ?? '[]',
        external_id: cols.external_id ?? null,
        created_at: now,
        updated_at: now,
      });
    }
  }
  if (problems.length) return fail('import_invalid', 'Some rows conflict; nothing was imported.', problems);
  try {
    await db.transaction().execute(async (tx) => {
      await repo.insertMembers(tx, creates);
      for (const u of updates) await repo.updateMemberRow(tx, actor.workspaceId, u.id, u.cols);
    });
  } catch (e) {
    const conflict = conflictOf(e);
    if (conflict)
      return fail('import_invalid', 'A row conflicts with an existing member; nothing was imported.', [
        { code: conflict.ok ? '' : conflict.problem.code, message: conflict.ok ? '' : conflict.problem.message },
      ]);
    throw e;
  }
  return ok({ created: creates.length, updated: updates.length });
}
