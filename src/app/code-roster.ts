// The offer's code roster: export members with an empty code column, let the brand fill it, import it back.
import { checkCode, normalizeCode } from '../core/codes.js';
import { fail, ok, type ProblemDetail, type Result } from '../core/result.js';
import { recordAudit } from '../db/audit.js';
import { uniqueViolation } from '../db/dialect/index.js';
import { findMembers } from '../db/members.js';
import { allOfferMembers } from '../db/offer-members.js';
import { findOffer } from '../db/offers.js';
import * as codesRepo from '../db/promo-codes.js';
import { CODE_PROBLEM_TEXT, codeRow } from './codes.js';
import type { Actor, AppContext } from './context.js';
import { readSheet, writeSheet, type TabularFormat } from './tabular.js';

export const ROSTER_HEADER = ['member_id', 'name', 'email', 'instagram', 'tiktok', 'current_code', 'new_code'];

export async function exportRoster(
  ctx: AppContext,
  actor: Actor,
  offerId: string,
  format: TabularFormat,
): Promise<Result<Buffer>> {
  const { db } = ctx.store;
  if (!(await findOffer(db, actor.workspaceId, offerId))) return fail('not_found', 'Offer not found.');
  const onOffer = await allOfferMembers(db, actor.workspaceId, offerId);
  const ids = onOffer.map((o) => o.member_id);
  const members = await findMembers(db, actor.workspaceId, ids);
  const active = (await codesRepo.codesOfMembers(db, actor.workspaceId, offerId, ids)).filter(
    (c) => c.status === 'active',
  );
  const rows = members
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => [
      m.id,
      m.name,
      m.email ?? '',
      m.instagram ?? '',
      m.tiktok ?? '',
      active
        .filter((c) => c.member_id === m.id)
        .map((c) => c.code)
        .join(' '),
      '',
    ]);
  return ok(await writeSheet(format, ROSTER_HEADER, rows));
}

/**
 * Assigns the codes of the `new_code` column (or `code`). A member's earlier active code on the offer is disabled.
 * All or nothing, with every bad row reported by line.
 */
export async function importRoster(
  ctx: AppContext,
  actor: Actor,
  offerId: string,
  body: Buffer,
  format: TabularFormat,
): Promise<Result<{ assigned: number; unchanged: number }>> {
  const { db } = ctx.store;
  const offer = await findOffer(db, actor.workspaceId, offerId);
  if (!offer) return fail('not_found', 'Offer not found.');
  if (offer.status === 'archived')
    return fail('offer_archived', 'The offer is archived; resume it before assigning codes.');
  const sheet = await readSheet(body, format);
  if (!sheet.ok) return sheet;
  const codeColumn = sheet.value.header.includes('new_code')
    ? 'new_code'
    : sheet.value.header.includes('code')
      ? 'code'
      : null;
  const idColumn = sheet.value.header.includes('member_id')
    ? 'member_id'
    : sheet.value.header.includes('email')
      ? 'email'
      : null;
  if (!codeColumn || !idColumn) {
    return fail('import_invalid', 'The file needs a "new_code" column and a "member_id" (or "email") column.', [
      { line: 1, code: 'column_missing', message: 'Export the roster first and fill in its new_code column.' },
    ]);
  }
  const onOffer = await allOfferMembers(db, actor.workspaceId, offerId);
  const members = await findMembers(
    db,
    actor.workspaceId,
    onOffer.map((o) => o.member_id),
  );
  const byKey = new Map(members.map((m) => [idColumn === 'member_id' ? m.id : (m.email ?? '').toLowerCase(), m]));
  const current = (
    await codesRepo.codesOfMembers(
      db,
      actor.workspaceId,
      offerId,
      members.map((m) => m.id),
    )
  ).filter((c) => c.status === 'active');

  const problems: ProblemDetail[] = [];
  const wanted: { line: number; memberId: string; code: string }[] = [];
  const seenCode = new Map<string, number>();
  const seenMember = new Map<string, number>();
  for (const { line, cells } of sheet.value.rows) {
    const raw = cells[codeColumn] ?? '';
    if (!raw) continue;
    const key = idColumn === 'member_id' ? cells.member_id! : (cells.email ?? '').toLowerCase();
    const member = byKey.get(key);
    if (!member)
      problems.push({
        line,
        path: idColumn,
        code: 'member_not_on_offer',
        message: `"${key}" is not a member of this offer.`,
      });
    const problem = checkCode(raw);
    if (problem) problems.push({ line, path: codeColumn, code: problem, message: CODE_PROBLEM_TEXT });
    const code = normalizeCode(raw);
    if (seenCode.has(code))
      problems.push({
        line,
        path: codeColumn,
        code: 'duplicate_in_file',
        message: `${code} is also on line ${seenCode.get(code)}.`,
      });
    if (member && seenMember.has(member.id))
      problems.push({
        line,
        path: idColumn,
        code: 'duplicate_in_file',
        message: `The member is also on line ${seenMember.get(member.id)}.`,
      });
    seenCode.set(code, line);
    if (member) {
      seenMember.set(member.id, line);
      wanted.push({ line, memberId: member.id, code });
    }
  }
  const taken = await codesRepo.activeCodesByNormalized(db, actor.workspaceId, [...seenCode.keys()]);
  // A code held on this offer by a member who gets a new code in this file is freed by the import itself,
  // so codes can be swapped or moved between members in one file.
  const changing = new Set(
    wanted
      .filter((w) => !current.some((c) => c.member_id === w.memberId && c.code_normalized === w.code))
      .map((w) => w.memberId),
  );
  for (const w of wanted) {
    const holder = taken.find((t) => t.code_normalized === w.code);
    const freed = holder && holder.offer_id === offerId && holder.member_id !== null && changing.has(holder.member_id);
    if (holder && !freed && !(holder.offer_id === offerId && holder.member_id === w.memberId)) {
      problems.push({
        line: w.line,
        path: codeColumn,
        code: 'code_taken',
        message: `${w.code} is already active for someone else.`,
      });
    }
  }
  if (problems.length)
    return fail(
      'import_invalid',
      `${new Set(problems.map((p) => p.line)).size} row(s) have problems; no code was assigned.`,
      problems,
    );
  if (!wanted.length && !sheet.value.rows.length) return fail('import_invalid', 'The file has no rows.');

  const now = ctx.clock();
  const changes = wanted.filter(
    (w) => !current.some((c) => c.member_id === w.memberId && c.code_normalized === w.code),
  );
  try {
    await db.transaction().execute(async (tx) => {
      for (const w of changes) {
        // One active personalized code per member and offer: the old one goes before the new one comes.
        await codesRepo.disableCodes(tx, actor.workspaceId, { offerId, memberId: w.memberId }, now);
      }
      await codesRepo.insertCodes(
        tx,
        changes.map((w) => codeRow(actor.workspaceId, offerId, w.memberId, w.code, now)),
      );
      await recordAudit(tx, {
        ...actor,
        entity: 'offer',
        entityId: offerId,
        action: 'codes_imported',
        detail: { assigned: changes.map((w) => ({ memberId: w.memberId, code: w.code })) },
        now,
      });
    });
  } catch (e) {
    if (uniqueViolation(e))
      return fail(
        'code_taken',
        'A code in the file was taken by another change just now; nothing was assigned. Try again.',
      );
    throw e;
  }
  await ctx.trackingChanged({ kind: 'offer', id: offerId });
  return ok({ assigned: changes.length, unchanged: wanted.length - changes.length });
}
