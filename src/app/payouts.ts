// Payout batches: approved commissions per member and currency, for members whose total reaches the workspace's
// minimum, marked paid together; exported as CSV, XLSX or in PayPal Payouts' bulk CSV form.
import { newId } from '../core/ids.js';
import type { CsvCell } from '../core/csv-stream.js';
import { currencyExponent, formatAmount, isCurrency, parseAmount } from '../core/money.js';
import { fail, ok, type ProblemDetail, type Result } from '../core/result.js';
import type { Transaction } from 'kysely';
import { findMembers } from '../db/members.js';
import { planPayout } from '../core/ledger.js';
import { appendEntries, ledgerState } from './ledger.js';
import type { Database, PayoutBatchTable } from '../db/schema.js';
import { decodeCursor, toPage, type Actor, type AppContext } from './context.js';
import { safeCell } from './tabular.js';
import type { PayoutLine as ContractPayoutLine } from '../contract/payouts.js';

/** One member's line of a payout preview or batch, as the API answers it (contract/payouts.ts). */
export type PayoutLine = ContractPayoutLine;

export function batchView(b: PayoutBatchTable, lines?: PayoutLine[]) {
  return {
    id: b.id,
    currency: b.currency,
    total: formatAmount(b.total_minor, b.currency),
    totalMinor: b.total_minor,
    members: b.members,
    commissions: b.commissions,
    note: b.note,
    createdBy: b.actor,
    createdAt: new Date(b.created_at).toISOString(),
    ...(lines ? { lines } : {}),
  };
}

/** Approved, unpaid commissions per member in one currency; members under the minimum wait for the next batch. */
async function payable(ctx: AppContext, actor: Actor, currency: string, minimumMinor: number) {
  const rows = await ctx.store.db
    .selectFrom('commissions as c')
    .innerJoin('members as m', 'm.id', 'c.member_id')
    .select((eb) => [
      'c.member_id',
      'm.name',
      'm.email',
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>('c.amount_minor').as('total'),
    ])
    .where('c.workspace_id', '=', actor.workspaceId)
    .where('c.status', '=', 'approved')
    .where('c.currency', '=', currency)
    .where('c.payout_batch_id', 'is', null)
    .groupBy(['c.member_id', 'm.name', 'm.email'])
    .execute();
  return rows
    .map((r) => ({
      memberId: r.member_id,
      name: r.name,
      email: r.email,
      commissions: Number(r.n),
      amountMinor: Number(r.total),
    }))
    .filter((l) => l.amountMinor > 0 && l.amountMinor >= minimumMinor)
    .sort((a, b) => b.amountMinor - a.amountMinor);
}

export async function previewPayouts(
  ctx: AppContext,
  actor: Actor,
  currency: string,
): Promise<Result<{ currency: string; lines: PayoutLine[]; totalMinor: number }>> {
  const ws = await ctx.store.db
    .selectFrom('workspaces')
    .select(['min_payout_minor', 'currency'])
    .where('id', '=', actor.workspaceId)
    .executeTakeFirstOrThrow();
  if (!isCurrency(currency))
    return fail('validation_failed', `Unknown currency "${currency}".`, [
      { path: 'currency', code: 'currency_invalid', message: 'Use an ISO-4217 code.' },
    ]);
  const minimum = currency === ws.currency ? ws.min_payout_minor : 0;
  const lines = (await payable(ctx, actor, currency, minimum)).map((l) => ({
    ...l,
    amount: formatAmount(l.amountMinor, currency),
  }));
  return ok({ currency, lines, totalMinor: lines.reduce((n, l) => n + l.amountMinor, 0) });
}

/**
 * Creates the batch and marks its commissions paid in one transaction. A commission is claimed only while it is
 * still approved and unbatched, so two people (or instances) creating batches at once never pay it twice.
 */
export async function createPayoutBatch(
  ctx: AppContext,
  actor: Actor,
  input: { currency: string; note?: string; memberIds?: string[] },
) {
  const preview = await previewPayouts(ctx, actor, input.currency);
  if (!preview.ok) return preview;
  if (!preview.value.lines.length)
    return fail(
      'nothing_to_pay',
      'No member has approved commissions at or above the minimum payout in this currency.',
    );
  let members = preview.value.lines.map((l) => l.memberId);
  if (input.memberIds) {
    const refused = await refusedChoices(ctx, actor, input.memberIds, new Set(members));
    if (refused.length) return fail('validation_failed', 'Some chosen members cannot be paid now.', refused);
    members = input.memberIds;
  }
  const chosen = input.memberIds ? new Set(input.memberIds) : null;
  const now = ctx.clock();
  const id = newId('pob', now);
  const write = async (tx: Transaction<Database>) => {
    const listed = await tx
      .selectFrom('commissions')
      .select('id')
      .where('workspace_id', '=', actor.workspaceId)
      .where('status', '=', 'approved')
      .where('currency', '=', input.currency)
      .where('payout_batch_id', 'is', null)
      .where('member_id', 'in', members)
      .orderBy('id')
      .execute();
    let total = 0;
    const paidMembers = new Set<string>();
    let count = 0;
    for (const { id: commissionId } of listed) {
      // Locked and read again: a batch created at the same moment (here or on another instance) may have claimed it.
      const c = await ctx.store.dialect
        .lockedForUpdate(
          tx
            .selectFrom('commissions')
            .selectAll()
            .where('id', '=', commissionId)
            .where('status', '=', 'approved')
            .where('payout_batch_id', 'is', null),
        )
        .executeTakeFirst();
      if (!c) continue;
      const planned = planPayout(ledgerState(c), `Paid in batch ${id}.`);
      if (!planned.ok) continue;
      await appendEntries(
        tx,
        { workspaceId: actor.workspaceId, actor: actor.actor, now },
        c,
        [planned.entry],
        planned.after,
        { payout_batch_id: id },
      );
      total += Number(c.amount_minor);
      paidMembers.add(c.member_id);
      count++;
    }
    // Everything was claimed by a batch made at the same moment: this one would be empty, so it is not made at all.
    if (count === 0) return null;
    // A chosen member whose commissions a concurrent batch took: the choice no longer holds, so nothing is paid.
    if (chosen && paidMembers.size < chosen.size) throw new ChoiceGone([...chosen].filter((m) => !paidMembers.has(m)));
    const batch: PayoutBatchTable = {
      id,
      workspace_id: actor.workspaceId,
      currency: input.currency,
      total_minor: total,
      members: paidMembers.size,
      commissions: count,
      note: input.note?.trim() ?? '',
      actor: actor.actor,
      created_at: now,
    };
    await tx.insertInto('payout_batches').values(batch).execute();
    return batch;
  };
  let result: PayoutBatchTable | null;
  try {
    result = await ctx.store.writeTransaction(write);
  } catch (e) {
    if (!(e instanceof ChoiceGone)) throw e;
    return fail(
      'validation_failed',
      'Some chosen members were paid by another batch meanwhile.',
      e.memberIds.map((m) => ({
        path: `memberIds/${input.memberIds!.indexOf(m)}`,
        code: 'member_not_due',
        message: `${m} has nothing due any more.`,
      })),
    );
  }
  if (!result)
    return fail(
      'nothing_to_pay',
      'No member has approved commissions at or above the minimum payout in this currency.',
    );
  return getPayoutBatch(ctx, actor, result.id);
}

class ChoiceGone extends Error {
  constructor(readonly memberIds: string[]) {
    super('chosen members no longer due');
  }
}

/** Each chosen member that is not in this workspace, or not due in the preview, with why (all or nothing). */
async function refusedChoices(
  ctx: AppContext,
  actor: Actor,
  memberIds: string[],
  due: Set<string>,
): Promise<ProblemDetail[]> {
  const known = new Set((await findMembers(ctx.store.db, actor.workspaceId, memberIds)).map((m) => m.id));
  return memberIds.flatMap((m, i): ProblemDetail[] => {
    if (!known.has(m)) return [{ path: `memberIds/${i}`, code: 'member_unknown', message: `No member ${m} here.` }];
    if (!due.has(m))
      return [
        {
          path: `memberIds/${i}`,
          code: 'member_not_due',
          message: `${m} has no approved commissions at or above the minimum payout in this currency.`,
        },
      ];
    return [];
  });
}

/** What the batch paid each member: the commissions' amounts at their payout entries (a later clawback does not rewrite a batch). */
async function batchLines(
  ctx: AppContext,
  batchId: string,
  currency: string,
  memberId?: string,
): Promise<PayoutLine[]> {
  let query = ctx.store.db
    .selectFrom('commissions as c')
    .innerJoin('members as m', 'm.id', 'c.member_id')
    .innerJoin('commission_adjustments as a', (j) =>
      j.onRef('a.commission_id', '=', 'c.id').on('a.kind', 'in', ['payout', 'pay']),
    )
    .select((eb) => [
      'c.member_id',
      'm.name',
      'm.email',
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>('a.amount_after').as('total'),
    ])
    .where('c.payout_batch_id', '=', batchId);
  if (memberId) query = query.where('c.member_id', '=', memberId);
  const rows = await query.groupBy(['c.member_id', 'm.name', 'm.email']).execute();
  return rows
    .map((r) => ({
      memberId: r.member_id,
      name: r.name,
      email: r.email,
      commissions: Number(r.n),
      amountMinor: Number(r.total),
      amount: formatAmount(Number(r.total), currency),
    }))
    .sort((a, b) => b.amountMinor - a.amountMinor);
}

export async function getPayoutBatch(ctx: AppContext, actor: Actor, id: string) {
  const b = await ctx.store.db
    .selectFrom('payout_batches')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!b) return fail('not_found', 'Payout batch not found.');
  return ok(batchView(b, await batchLines(ctx, id, b.currency)));
}

/** Batches newest first; with memberId, the batches that paid that member, each with that member's line only. */
export async function listPayoutBatches(
  ctx: AppContext,
  actor: Actor,
  q: { cursor?: string; limit: number; memberId?: string },
) {
  const { memberId } = q;
  let query = ctx.store.db
    .selectFrom('payout_batches as b')
    .selectAll('b')
    .where('b.workspace_id', '=', actor.workspaceId);
  if (memberId)
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('commissions as c')
          .select('c.id')
          .whereRef('c.payout_batch_id', '=', 'b.id')
          .where('c.member_id', '=', memberId),
      ),
    );
  const before = decodeCursor(q.cursor);
  if (before) query = query.where('b.id', '<', before);
  const page = toPage(
    await query
      .orderBy('b.id', 'desc')
      .limit(q.limit + 1)
      .execute(),
    q.limit,
    (b) => b,
  );
  if (!memberId) return { ...page, data: page.data.map((b) => batchView(b)) };
  const data = [];
  for (const b of page.data) {
    const lines = await batchLines(ctx, b.id, b.currency, memberId);
    data.push(batchView(b, lines));
  }
  return { ...page, data };
}

export type PayoutExportLayout = 'sheet' | 'paypal';

/** A batch as rows for http/export.ts: money as numbers with the currency's decimals, so CSV prints "50.00". */
export interface PayoutExportTable {
  columns: (string | { name: string; decimals: number })[];
  rows: CsvCell[][];
  header: boolean;
  bom: boolean;
}

/**
 * `sheet`: a readable table (CSV or XLSX). `paypal`: PayPal Payouts' bulk file — email, amount, currency, reference,
 * note — with no header and no byte-order mark. Exports escape text that a spreadsheet would run as a formula; an
 * escaped email would pay nobody (or somebody else), so a batch with such an email is refused for PayPal instead.
 */
export async function payoutBatchTable(
  ctx: AppContext,
  actor: Actor,
  id: string,
  layout: PayoutExportLayout,
): Promise<Result<PayoutExportTable>> {
  const batch = await getPayoutBatch(ctx, actor, id);
  if (!batch.ok) return batch;
  const { lines = [], currency } = batch.value;
  const amount = { name: 'amount', decimals: currencyExponent(currency) };
  const money = (l: PayoutLine) => Number(l.amount);
  if (layout === 'sheet') {
    return ok({
      columns: ['member_id', 'name', 'email', 'commissions', amount, 'currency', 'batch'],
      rows: lines.map((l) => [l.memberId, l.name, l.email, l.commissions, money(l), currency, id]),
      header: true,
      bom: true,
    });
  }
  const missing = lines.filter((l) => !l.email);
  if (missing.length) {
    return fail(
      'payout_email_missing',
      'PayPal pays by email; some members in the batch have none.',
      missing.map((l) => ({ path: l.memberId, message: `${l.name} has no email address.` })),
    );
  }
  const unsafe = lines.filter((l) => safeCell(l.email!) !== l.email);
  if (unsafe.length) {
    return fail(
      'payout_email_unsafe',
      'Some emails start with a character spreadsheets run as a formula; PayPal would receive them altered.',
      unsafe.map((l) => ({
        path: l.memberId,
        message: `${l.name}: "${l.email}" cannot go into a payout file as it is.`,
      })),
    );
  }
  return ok({
    columns: ['email', amount, 'currency', 'reference', 'note'],
    rows: lines.map((l) => [
      l.email!,
      money(l),
      currency,
      `${id}-${l.memberId}`.slice(0, 30),
      `Touchpoint commissions, batch ${id}`,
    ]),
    header: false,
    bom: false,
  });
}

export async function setMinimumPayout(
  ctx: AppContext,
  actor: Actor,
  amount: string,
): Promise<Result<{ minimumPayout: string; currency: string }>> {
  const ws = await ctx.store.db
    .selectFrom('workspaces')
    .select('currency')
    .where('id', '=', actor.workspaceId)
    .executeTakeFirstOrThrow();
  const parsed = parseAmount(amount, ws.currency);
  if (!parsed.ok)
    return fail('validation_failed', 'The minimum payout is not a valid amount.', [
      { path: 'amount', code: parsed.error, message: `An amount in ${ws.currency} such as "50.00".` },
    ]);
  await ctx.store.db
    .updateTable('workspaces')
    .set({ min_payout_minor: parsed.minor })
    .where('id', '=', actor.workspaceId)
    .execute();
  return ok({ minimumPayout: formatAmount(parsed.minor, ws.currency), currency: ws.currency });
}
