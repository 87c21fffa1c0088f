// Reading conversions, their decisions and events, and the commissions they gave; manual commission changes.
import { planAdjust, planApprove, planReverse } from '../core/ledger.js';
import { formatAmount, parseAmount } from '../core/money.js';
import { fail, ok, type Result } from '../core/result.js';
import type { CommissionRow, ConversionEventRow, ConversionRow } from '../db/conversions.js';
import { appendEntries, commissionView, ledgerState } from './ledger.js';
import { decodeCursor, toPage, type Actor, type AppContext, type Page } from './context.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function conversionView(c: ConversionRow) {
  const decision = JSON.parse(c.decision) as {
    outcome?: string;
    reasons?: string[];
    credits?: unknown[];
    notes?: string[];
  };
  return {
    id: c.id,
    orderId: c.order_id,
    status: c.status,
    test: c.is_test === 1,
    occurredAt: iso(c.occurred_at)!,
    reportedOfferId: c.reported_offer_id,
    clickId: c.click_id,
    code: c.code,
    amount: c.amount_minor === null || !c.currency ? null : formatAmount(c.amount_minor, c.currency),
    currency: c.currency,
    refunded: c.currency ? formatAmount(c.refunded_minor, c.currency) : '0',
    reasons: [...(decision.reasons ?? []), ...(decision.notes ?? [])],
    credits: (decision.credits ?? []) as {
      offerId: string;
      memberId: string | null;
      source: string;
      shareBps: number;
    }[],
    createdAt: iso(c.created_at)!,
    updatedAt: iso(c.updated_at)!,
  };
}

export { commissionView };

export function eventView(e: ConversionEventRow) {
  return {
    id: e.id,
    conversionId: e.conversion_id,
    receivedAt: iso(e.received_at)!,
    source: e.source,
    orderId: e.order_id,
    test: e.is_test === 1,
    outcome: e.outcome,
    reason: e.reason,
    trust: e.trust,
    detail: JSON.parse(e.detail) as unknown,
  };
}

export interface ConversionFilter {
  status?: ConversionRow['status'];
  memberId?: string;
  offerId?: string;
  code?: string;
  /** A reason of the decision, e.g. click_outside_window or no_fx_rate. */
  reason?: string;
  test?: boolean;
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

/** The conversions a filter selects, unordered and unpaged: shared by the list and the export (app/conversion-export.ts). */
export function conversionsMatching(ctx: AppContext, actor: Actor, f: Omit<ConversionFilter, 'cursor' | 'limit'>) {
  const { db } = ctx.store;
  let q = db
    .selectFrom('conversions')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('is_test', '=', f.test ? 1 : 0);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.code) q = q.where('code', '=', f.code.trim().toUpperCase());
  // Reasons are stored in the decision JSON as quoted words; a reason is only letters and underscores.
  if (f.reason && /^[a-z_]{2,40}$/.test(f.reason)) q = q.where('decision', 'like', `%"${f.reason}"%`);
  if (f.from) q = q.where('occurred_at', '>=', Date.parse(f.from));
  if (f.to) q = q.where('occurred_at', '<', Date.parse(f.to));
  if (f.memberId || f.offerId) {
    let credited = db.selectFrom('commissions').select('conversion_id').where('workspace_id', '=', actor.workspaceId);
    if (f.memberId) credited = credited.where('member_id', '=', f.memberId);
    if (f.offerId) credited = credited.where('offer_id', '=', f.offerId);
    q = q.where((eb) =>
      eb.or([eb('id', 'in', credited), ...(f.offerId && !f.memberId ? [eb('reported_offer_id', '=', f.offerId)] : [])]),
    );
  }
  return q;
}

type ConversionView = ReturnType<typeof conversionView>;
type NamedCredit = ConversionView['credits'][number] & { memberName: string | null; offerName: string | null };
/** A commission as the list shows it: the credited amount now (after adjustments) and its status. */
interface ListedCommission {
  id: string;
  offerId: string;
  memberId: string;
  amount: string;
  amountMinor: number;
  currency: string;
  status: CommissionRow['status'];
}
export type ConversionListItem = Omit<ConversionView, 'credits'> & {
  credits: NamedCredit[];
  commissions: ListedCommission[];
};

export async function listConversions(
  ctx: AppContext,
  actor: Actor,
  f: ConversionFilter,
): Promise<Page<ConversionListItem>> {
  let q = conversionsMatching(ctx, actor, f);
  const before = decodeCursor(f.cursor);
  if (before) q = q.where('id', '<', before);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
  const page = toPage(rows, f.limit, conversionView);
  return { ...page, data: await withNames(ctx, actor, page.data) };
}

/**
 * The credited members' and offers' names and the commissions credited (amount and status), so a list needs no
 * lookup per row. Credits live in the decision JSON, so
 * the names come from two queries for the whole page (ids collected first), not a SQL join per conversion. A deleted
 * member or offer has a null name.
 */
async function withNames(ctx: AppContext, actor: Actor, list: ConversionView[]): Promise<ConversionListItem[]> {
  const memberIds = [
    ...new Set(list.flatMap((c) => c.credits.map((x) => x.memberId)).filter((id): id is string => !!id)),
  ];
  const offerIds = [...new Set(list.flatMap((c) => c.credits.map((x) => x.offerId)))];
  const { db } = ctx.store;
  const conversionIds = list.map((c) => c.id);
  const [members, offers, commissions] = await Promise.all([
    memberIds.length
      ? db
          .selectFrom('members')
          .select(['id', 'name'])
          .where('workspace_id', '=', actor.workspaceId)
          .where('id', 'in', memberIds)
          .execute()
      : [],
    offerIds.length
      ? db
          .selectFrom('offers')
          .select(['id', 'name'])
          .where('workspace_id', '=', actor.workspaceId)
          .where('id', 'in', offerIds)
          .execute()
      : [],
    conversionIds.length
      ? db
          .selectFrom('commissions')
          .selectAll()
          .where('workspace_id', '=', actor.workspaceId)
          .where('conversion_id', 'in', conversionIds)
          .orderBy('id')
          .execute()
      : [],
  ]);
  const commissionsOf = new Map<string, ListedCommission[]>();
  for (const c of commissions) {
    const v = commissionView(c);
    const listed: ListedCommission = {
      id: v.id,
      offerId: v.offerId,
      memberId: v.memberId,
      amount: v.amount,
      amountMinor: Number(v.amountMinor),
      currency: v.currency,
      status: v.status,
    };
    commissionsOf.set(c.conversion_id, [...(commissionsOf.get(c.conversion_id) ?? []), listed]);
  }
  const memberName = new Map(members.map((m) => [m.id, m.name]));
  const offerName = new Map(offers.map((o) => [o.id, o.name]));
  return list.map((c) => ({
    ...c,
    credits: c.credits.map((x) => ({
      ...x,
      memberName: x.memberId ? (memberName.get(x.memberId) ?? null) : null,
      offerName: offerName.get(x.offerId) ?? null,
    })),
    commissions: commissionsOf.get(c.id) ?? [],
  }));
}

export async function getConversion(ctx: AppContext, actor: Actor, id: string) {
  const { db } = ctx.store;
  const c = await db
    .selectFrom('conversions')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!c) return fail('not_found', 'Conversion not found.');
  const commissions = await db
    .selectFrom('commissions')
    .selectAll()
    .where('conversion_id', '=', id)
    .orderBy('id')
    .execute();
  const events = await db
    .selectFrom('conversion_events')
    .selectAll()
    .where('conversion_id', '=', id)
    .orderBy('id')
    .execute();
  const adjustments = commissions.length
    ? await db
        .selectFrom('commission_adjustments')
        .selectAll()
        .where(
          'commission_id',
          'in',
          commissions.map((x) => x.id),
        )
        .orderBy('id')
        .execute()
    : [];
  return ok({
    ...conversionView(c),
    commissions: commissions.map(commissionView),
    events: events.map(eventView),
    adjustments: adjustments.map((a) => ({
      id: a.id,
      commissionId: a.commission_id,
      kind: a.kind,
      amountBefore: a.amount_before,
      amountAfter: a.amount_after,
      statusBefore: a.status_before,
      statusAfter: a.status_after,
      reason: a.reason,
      actor: a.actor,
      at: iso(a.created_at)!,
    })),
  });
}

/** Events received but not credited (and duplicates), newest first: "why didn't this sale count?" */
export async function listEvents(
  ctx: AppContext,
  actor: Actor,
  f: {
    outcome?: string;
    reason?: string;
    source?: string;
    orderId?: string;
    test?: boolean;
    cursor?: string;
    limit: number;
  },
) {
  // Test events belong to the tracking check, as test orders do (conversionsMatching).
  let q = ctx.store.db
    .selectFrom('conversion_events')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('is_test', '=', f.test ? 1 : 0);
  if (f.outcome) q = q.where('outcome', '=', f.outcome);
  if (f.reason) q = q.where('reason', '=', f.reason);
  if (f.source) q = q.where('source', '=', f.source as ConversionEventRow['source']);
  if (f.orderId) q = q.where('order_id', '=', f.orderId);
  const before = decodeCursor(f.cursor);
  if (before) q = q.where('id', '<', before);
  return toPage(
    await q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute(),
    f.limit,
    eventView,
  );
}

export async function listCommissions(
  ctx: AppContext,
  actor: Actor,
  f: { status?: CommissionRow['status']; memberId?: string; offerId?: string; cursor?: string; limit: number },
) {
  let q = ctx.store.db.selectFrom('commissions').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.memberId) q = q.where('member_id', '=', f.memberId);
  if (f.offerId) q = q.where('offer_id', '=', f.offerId);
  const before = decodeCursor(f.cursor);
  if (before) q = q.where('id', '<', before);
  return toPage(
    await q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute(),
    f.limit,
    commissionView,
  );
}

/**
 * A person's change to a commission: approve early, reverse, or set a new amount. Each is a ledger entry with who,
 * when and why (core/ledger.ts decides whether it may happen); an early approval, a reversal or an adjustment makes
 * the order's decision final against later events.
 */
export async function changeCommission(
  ctx: AppContext,
  actor: Actor,
  id: string,
  change: { action: 'approve' | 'reverse' | 'adjust'; reason: string; amount?: string },
): Promise<Result<ReturnType<typeof commissionView>>> {
  const now = ctx.clock();
  const reason = change.reason.trim();
  if (!reason)
    return fail('validation_failed', 'Say why.', [
      { path: 'reason', code: 'required', message: 'A reason is required.' },
    ]);
  return ctx.store.writeTransaction(async (tx) => {
    const found = await tx
      .selectFrom('commissions')
      .select('conversion_id')
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!found) return fail('not_found', 'Commission not found.');
    // The order's row lock first, as every ingestion path takes it: a person's change and a late event never interleave.
    await ctx.store.dialect
      .lockedForUpdate(tx.selectFrom('conversions').select('id').where('id', '=', found.conversion_id))
      .executeTakeFirst();
    const c = await ctx.store.dialect
      .lockedForUpdate(tx.selectFrom('commissions').selectAll().where('id', '=', id))
      .executeTakeFirstOrThrow();
    const state = ledgerState(c);
    let planned;
    if (change.action === 'adjust') {
      const parsed = change.amount === undefined ? null : parseAmount(change.amount, c.currency);
      if (!parsed || !parsed.ok)
        return fail('validation_failed', 'The new amount is not valid.', [
          {
            path: 'amount',
            code: parsed && !parsed.ok ? parsed.error : 'required',
            message: `An amount in ${c.currency} such as "12.50".`,
          },
        ]);
      planned = planAdjust(state, parsed.minor, reason);
    } else {
      planned = change.action === 'approve' ? planApprove(state, 'person', reason) : planReverse(state, reason);
    }
    if (!planned.ok) return fail('commission_final', planned.message);
    const after = await appendEntries(
      tx,
      { workspaceId: actor.workspaceId, actor: actor.actor, now },
      c,
      [planned.entry],
      planned.after,
    );
    return ok(commissionView(after));
  });
}

/** Approves every pending commission whose hold has passed; a conditional update, so instances may run it together. */
export async function approveDue(ctx: AppContext, now = ctx.clock()): Promise<number> {
  return ctx.store.writeTransaction(async (tx) => {
    // Ascending ids, as every path that locks several commissions takes them, so lock waits never form a cycle.
    const due = await tx
      .selectFrom('commissions')
      .select('id')
      .where('status', '=', 'pending')
      .where('approve_after', '<=', now)
      .orderBy('id')
      .limit(5_000)
      .execute();
    let approved = 0;
    for (const { id } of due) {
      // Locked and read again: a late event or a refund for the order may have changed it since the list was read.
      const c = await ctx.store.dialect
        .lockedForUpdate(tx.selectFrom('commissions').selectAll().where('id', '=', id).where('status', '=', 'pending'))
        .executeTakeFirst();
      if (!c || c.approve_after > now) continue;
      const planned = planApprove(ledgerState(c), 'hold', 'Hold period ended.');
      if (!planned.ok) continue;
      approved++;
      await appendEntries(tx, { workspaceId: c.workspace_id, actor: 'system', now }, c, [planned.entry], planned.after);
    }
    return approved;
  });
}
