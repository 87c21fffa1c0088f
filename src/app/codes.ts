// Promo codes: generic (the whole offer) or personalized (one member); unique case-insensitively among active codes.
import { checkCode, checkPattern, generateCode, normalizeCode } from '../core/codes.js';
import { newId } from '../core/ids.js';
import { fail, ok, type Result } from '../core/result.js';
import { recordAudit } from '../db/audit.js';
import { uniqueViolation } from '../db/dialect/index.js';
import { findMember, findMembers } from '../db/members.js';
import { allOfferMembers, findOfferMembers } from '../db/offer-members.js';
import { findOffer } from '../db/offers.js';
import * as codes from '../db/promo-codes.js';
import { decodeCursor, toPage, type Actor, type AppContext, type Page } from './context.js';
import type { Code } from '../contract/links-codes.js';

/** A promo code as the API answers it (contract/links-codes.ts). */
export type CodeView = Code;

export function codeView(c: codes.PromoCodeRow): CodeView {
  return {
    id: c.id,
    offerId: c.offer_id,
    memberId: c.member_id,
    code: c.code,
    kind: c.member_id ? 'personalized' : 'generic',
    status: c.status,
    stripePromotionCodeId: c.stripe_promotion_code_id,
    createdAt: new Date(c.created_at).toISOString(),
  };
}

export function codeRow(
  workspaceId: string,
  offerId: string,
  memberId: string | null,
  code: string,
  now: number,
): codes.PromoCodeRow {
  const normalized = normalizeCode(code);
  return {
    id: newId('cod', now),
    workspace_id: workspaceId,
    offer_id: offerId,
    member_id: memberId,
    code: normalized,
    code_normalized: normalized,
    stripe_promotion_code_id: null,
    status: 'active',
    created_at: now,
    disabled_at: null,
  };
}

export const CODE_PROBLEM_TEXT = 'A code is 3 to 32 letters, digits, "-" or "_".';

export async function createCode(
  ctx: AppContext,
  actor: Actor,
  input: { offerId: string; code: string; memberId?: string | null; stripePromotionCodeId?: string | null },
): Promise<Result<CodeView>> {
  const { db } = ctx.store;
  const offer = await findOffer(db, actor.workspaceId, input.offerId);
  if (!offer) return fail('not_found', 'Offer not found.');
  if (offer.status === 'archived')
    return fail('offer_archived', 'The offer is archived; resume it before adding codes.');
  const problem = checkCode(input.code);
  if (problem)
    return fail('validation_failed', 'The code is not valid.', [
      { path: 'code', code: problem, message: CODE_PROBLEM_TEXT },
    ]);
  if (input.memberId) {
    if (!(await findMember(db, actor.workspaceId, input.memberId))) return fail('not_found', 'Member not found.');
    const [onOffer] = await findOfferMembers(db, actor.workspaceId, offer.id, [input.memberId]);
    if (!onOffer) return fail('member_not_on_offer', 'Add the member to the offer first.');
  }
  const now = ctx.clock();
  const row = {
    ...codeRow(actor.workspaceId, offer.id, input.memberId ?? null, input.code, now),
    stripe_promotion_code_id: input.stripePromotionCodeId ?? null,
  };
  try {
    await codes.insertCodes(db, [row]);
  } catch (e) {
    if (uniqueViolation(e)) return fail('code_taken', `The code ${row.code} is already active in this workspace.`);
    throw e;
  }
  await recordAudit(db, {
    ...actor,
    entity: 'promo_code',
    entityId: row.id,
    action: 'created',
    detail: { after: row },
    now,
  });
  // Links may append the member's code to their destination.
  await ctx.trackingChanged({ kind: 'offer', id: offer.id });
  return ok(codeView(row));
}

export async function listCodes(
  ctx: AppContext,
  actor: Actor,
  q: {
    offerId?: string;
    memberId?: string;
    status?: codes.PromoCodeRow['status'];
    code?: string;
    cursor?: string;
    limit: number;
  },
): Promise<Page<CodeView>> {
  const rows = await codes.listCodes(ctx.store.db, actor.workspaceId, {
    ...q,
    code: q.code ? normalizeCode(q.code) : undefined,
    before: decodeCursor(q.cursor),
  });
  return toPage(rows, q.limit, codeView);
}

export async function getCode(ctx: AppContext, actor: Actor, id: string): Promise<Result<CodeView>> {
  const row = await codes.findCode(ctx.store.db, actor.workspaceId, id);
  return row ? ok(codeView(row)) : fail('not_found', 'Code not found.');
}

/** The Stripe promotion code that stands for a code at a Stripe Checkout (the Stripe webhook reads it). */
export async function setStripePromotionCode(
  ctx: AppContext,
  actor: Actor,
  id: string,
  stripePromotionCodeId: string | null,
): Promise<Result<CodeView>> {
  const { db } = ctx.store;
  const row = await codes.findCode(db, actor.workspaceId, id);
  if (!row) return fail('not_found', 'Code not found.');
  const now = ctx.clock();
  await codes.updateCodeStripePromotion(db, actor.workspaceId, id, stripePromotionCodeId);
  await recordAudit(db, {
    ...actor,
    entity: 'promo_code',
    entityId: id,
    action: 'updated',
    detail: { before: row.stripe_promotion_code_id, after: stripePromotionCodeId },
    now,
  });
  await ctx.trackingChanged({ kind: 'offer', id: row.offer_id });
  return getCode(ctx, actor, id);
}

/** A disabled code no longer credits anyone; its string may be issued again later. */
export async function disableCode(ctx: AppContext, actor: Actor, id: string): Promise<Result<CodeView>> {
  const { db } = ctx.store;
  const row = await codes.findCode(db, actor.workspaceId, id);
  if (!row) return fail('not_found', 'Code not found.');
  const now = ctx.clock();
  if (row.status === 'active') {
    await codes.disableCodes(db, actor.workspaceId, { id }, now);
    await recordAudit(db, { ...actor, entity: 'promo_code', entityId: id, action: 'disabled', now });
    await ctx.trackingChanged({ kind: 'offer', id: row.offer_id });
  }
  return getCode(ctx, actor, id);
}

export function patternProblem(pattern: string) {
  const problem = checkPattern(pattern);
  return problem
    ? fail<never>('validation_failed', 'The code pattern is not valid.', [
        {
          path: 'pattern',
          code: problem,
          message: 'Use letters, digits and {NAME}, {FIRSTNAME}, {LASTNAME}, {HANDLE} or {RANDn}, e.g. {NAME}{RAND4}.',
        },
      ])
    : null;
}

/** Makes personalized codes for members of an offer, colliding with no active code in the workspace. */
export async function generateCodesFor(
  workspaceId: string,
  offerId: string,
  members: { id: string; name: string; instagram: string | null; tiktok: string | null }[],
  pattern: string,
  taken: Set<string>,
  now: number,
): Promise<Result<codes.PromoCodeRow[]>> {
  const rows: codes.PromoCodeRow[] = [];
  for (const m of members) {
    const code = generateCode(pattern, m, taken);
    if (!code) {
      return fail(
        'code_generation_failed',
        `No free code could be made for ${m.name} from "${pattern}"; add {RAND4} to the pattern.`,
      );
    }
    taken.add(code);
    rows.push(codeRow(workspaceId, offerId, m.id, code, now));
  }
  return ok(rows);
}

/** Generates codes for the given members of the offer, or for every member on it who has no active code. */
export async function generateCodes(
  ctx: AppContext,
  actor: Actor,
  offerId: string,
  input: { pattern: string; memberIds?: string[] },
): Promise<Result<CodeView[]>> {
  const { db } = ctx.store;
  const offer = await findOffer(db, actor.workspaceId, offerId);
  if (!offer) return fail('not_found', 'Offer not found.');
  if (offer.status === 'archived')
    return fail('offer_archived', 'The offer is archived; resume it before adding codes.');
  const bad = patternProblem(input.pattern);
  if (bad) return bad;
  const onOffer = input.memberIds
    ? await findOfferMembers(db, actor.workspaceId, offerId, input.memberIds)
    : await allOfferMembers(db, actor.workspaceId, offerId);
  if (input.memberIds && onOffer.length !== new Set(input.memberIds).size) {
    const missing = input.memberIds.filter((id) => !onOffer.some((o) => o.member_id === id));
    return fail(
      'member_not_on_offer',
      'Some members are not on the offer.',
      missing.map((id) => ({ path: 'memberIds', message: id })),
    );
  }
  const existing = await codes.codesOfMembers(
    db,
    actor.workspaceId,
    offerId,
    onOffer.map((o) => o.member_id),
  );
  const withCode = new Set(existing.filter((c) => c.status === 'active').map((c) => c.member_id));
  const targets = (
    await findMembers(
      db,
      actor.workspaceId,
      onOffer.map((o) => o.member_id),
    )
  ).filter((m) => !withCode.has(m.id));
  const now = ctx.clock();
  for (let attempt = 0; ; attempt++) {
    const generated = await generateCodesFor(
      actor.workspaceId,
      offerId,
      targets,
      input.pattern,
      await codes.activeCodeSet(db, actor.workspaceId),
      now,
    );
    if (!generated.ok) return generated;
    try {
      await db.transaction().execute((tx) => codes.insertCodes(tx, generated.value));
      await ctx.trackingChanged({ kind: 'offer', id: offerId });
      return ok(generated.value.map(codeView));
    } catch (e) {
      // Another request took one of the strings in the meantime: draw again against the fresh set.
      if (!uniqueViolation(e) || attempt >= 3) throw e;
    }
  }
}
