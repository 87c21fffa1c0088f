// Payout options of an offer. An edit applies from now on; a commission keeps the rate it was computed with,
// and the audit log keeps every earlier value.
import { newId } from '../core/ids.js';
import { fail, ok, type ProblemDetail, type Result } from '../core/result.js';
import { recordAudit } from '../db/audit.js';
import * as repo from '../db/offers.js';
import type { Actor, AppContext } from './context.js';
import { formatPayoutValue, parsePayoutOption, type PayoutOptionInput } from './offer-settings.js';
import { payoutOptionView, type PayoutOptionView } from './offers.js';

export async function addPayoutOption(
  ctx: AppContext,
  actor: Actor,
  offerId: string,
  input: PayoutOptionInput,
): Promise<Result<PayoutOptionView>> {
  const { db } = ctx.store;
  const offer = await repo.findOffer(db, actor.workspaceId, offerId);
  if (!offer) return fail('not_found', 'Offer not found.');
  const problems: ProblemDetail[] = [];
  const parsed = parsePayoutOption(input, offer.currency, '', problems);
  if (!parsed) return fail('validation_failed', 'Some fields are not valid.', problems);
  const existing = await repo.listPayoutOptions(db, actor.workspaceId, [offerId]);
  const now = ctx.clock();
  const row: repo.PayoutOptionRow = {
    id: newId('pay', now),
    workspace_id: actor.workspaceId,
    offer_id: offerId,
    title: parsed.title,
    type: parsed.type,
    value: parsed.value,
    tiers: JSON.stringify(parsed.tiers),
    is_default: 0,
    position: existing.reduce((max, p) => Math.max(max, p.position + 1), 0),
    created_at: now,
    archived_at: null,
  };
  await db.transaction().execute(async (tx) => {
    await repo.insertPayoutOptions(tx, [row]);
    if (input.default) await repo.setDefaultPayoutOption(tx, offerId, row.id);
    await recordAudit(tx, {
      ...actor,
      entity: 'payout_option',
      entityId: row.id,
      action: 'created',
      detail: { offerId, after: row },
      now,
    });
  });
  return ok(payoutOptionView({ ...row, is_default: input.default ? 1 : 0 }, offer.currency));
}

export async function updatePayoutOption(
  ctx: AppContext,
  actor: Actor,
  offerId: string,
  id: string,
  input: Partial<PayoutOptionInput>,
): Promise<Result<PayoutOptionView>> {
  const { db } = ctx.store;
  const offer = await repo.findOffer(db, actor.workspaceId, offerId);
  const current = offer && (await repo.findPayoutOption(db, actor.workspaceId, offerId, id));
  if (!offer || !current) return fail('not_found', 'Payout option not found.');
  if (input.default === false && current.is_default) {
    return fail('default_required', 'Make another payout option the default instead; an offer always has one.');
  }
  const currentTiers = JSON.parse(current.tiers) as { fromConversion: number; value: number }[];
  const typeChanged = input.type !== undefined && input.type !== current.type;
  const problems: ProblemDetail[] = [];
  if (typeChanged && input.value === undefined) {
    problems.push({ path: 'value', code: 'required', message: 'A new payout type needs a new value.' });
    return fail('validation_failed', 'Some fields are not valid.', problems);
  }
  // Merge in input form (decimal strings), so one parser validates every combination.
  const asText = (v: number) => formatPayoutValue(current.type, v, offer.currency);
  const parsed = parsePayoutOption(
    {
      title: input.title ?? current.title,
      type: input.type ?? current.type,
      value: input.value ?? asText(current.value),
      tiers:
        input.tiers ??
        (typeChanged ? [] : currentTiers.map((t) => ({ fromConversion: t.fromConversion, value: asText(t.value) }))),
    },
    offer.currency,
    '',
    problems,
  );
  if (!parsed) return fail('validation_failed', 'Some fields are not valid.', problems);
  const now = ctx.clock();
  const patch = { title: parsed.title, type: parsed.type, value: parsed.value, tiers: JSON.stringify(parsed.tiers) };
  await db.transaction().execute(async (tx) => {
    await repo.updatePayoutOptionRow(tx, id, patch);
    if (input.default) await repo.setDefaultPayoutOption(tx, offerId, id);
    await recordAudit(tx, {
      ...actor,
      entity: 'payout_option',
      entityId: id,
      action: 'updated',
      detail: {
        offerId,
        before: { title: current.title, type: current.type, value: current.value, tiers: currentTiers },
        after: patch,
      },
      now,
    });
  });
  const updated = await repo.findPayoutOption(db, actor.workspaceId, offerId, id);
  return ok(payoutOptionView(updated!, offer.currency));
}

/** Archives an option; members on it move to the offer's default, so nobody is left without a payout. */
export async function archivePayoutOption(
  ctx: AppContext,
  actor: Actor,
  offerId: string,
  id: string,
): Promise<Result<{ movedMembers: number }>> {
  const { db } = ctx.store;
  const current = await repo.findPayoutOption(db, actor.workspaceId, offerId, id);
  if (!current) return fail('not_found', 'Payout option not found.');
  if (current.is_default)
    return fail(
      'default_required',
      'The default payout option cannot be archived; make another one the default first.',
    );
  const options = await repo.listPayoutOptions(db, actor.workspaceId, [offerId]);
  const fallback = options.find((p) => p.is_default === 1)!;
  const now = ctx.clock();
  const moved = await repo.countMembersOnPayoutOption(db, id);
  await db.transaction().execute(async (tx) => {
    await repo.reassignPayoutOption(tx, id, fallback.id);
    await repo.updatePayoutOptionRow(tx, id, { archived_at: now });
    await recordAudit(tx, {
      ...actor,
      entity: 'payout_option',
      entityId: id,
      action: 'archived',
      detail: { offerId, movedMembersTo: fallback.id, moved },
      now,
    });
  });
  return ok({ movedMembers: moved });
}
