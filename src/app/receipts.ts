// SPEC §4: every commission can show its receipt — the events and evidence that made it (with their trust level),
// the decision and its reasons, the offer settings (version) it was computed under, and each ledger entry with who or
// what made it and why. The brand sees everything; a creator sees the receipts of their own commissions, without the
// raw input senders posted and with people named by role.
import { formatAmount } from '../core/money.js';
import { fail, ok, type Result } from '../core/result.js';
import type { EvidenceRecord } from '../core/order-evidence.js';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { DecisionRecord } from './order-decision.js';
import type { CommissionReceipt } from '../contract/conversions.js';

const iso = (t: number | null) => (t === null ? null : new Date(Number(t)).toISOString());

/** A commission's receipt as the API answers it (contract/conversions.ts). */
export type Receipt = CommissionReceipt;

/** The creator's view of who made an entry: the system or the brand, never a person's or a key's id. */
const forMember = (actor: string) => (actor === 'system' ? 'Touchpoint' : 'The brand');

export async function commissionReceipt(
  db: Kysely<Database>,
  workspaceId: string,
  commissionId: string,
  viewer: { memberId?: string } = {},
): Promise<Result<Receipt>> {
  let q = db
    .selectFrom('commissions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', commissionId);
  if (viewer.memberId) q = q.where('member_id', '=', viewer.memberId);
  const c = await q.executeTakeFirst();
  if (!c) return fail('not_found', 'Commission not found.');
  const [conversion, events, entries] = await Promise.all([
    db.selectFrom('conversions').selectAll().where('id', '=', c.conversion_id).executeTakeFirstOrThrow(),
    db.selectFrom('conversion_events').selectAll().where('conversion_id', '=', c.conversion_id).orderBy('id').execute(),
    db
      .selectFrom('commission_adjustments')
      .selectAll()
      .where('commission_id', '=', c.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  ]);
  const decision = JSON.parse(conversion.decision) as Partial<DecisionRecord>;
  const snapshot = decision.settings?.[c.offer_id];
  const payout = snapshot?.payouts[c.member_id];
  const money = (minor: number) => formatAmount(minor, c.currency);
  const signed = (minor: number) => (minor > 0 ? `+${money(minor)}` : money(minor));
  let balance = 0;
  return ok({
    commission: {
      id: c.id,
      memberId: c.member_id,
      offerId: c.offer_id,
      status: c.status,
      amount: money(Number(c.amount_minor)),
      amountMinor: Number(c.amount_minor),
      currency: c.currency,
    },
    conversion: {
      id: conversion.id,
      orderId: conversion.order_id,
      status: conversion.status,
      occurredAt: iso(conversion.occurred_at)!,
      amount:
        conversion.amount_minor === null || !conversion.currency
          ? null
          : formatAmount(Number(conversion.amount_minor), conversion.currency),
      currency: conversion.currency,
      refunded: formatAmount(Number(conversion.refunded_minor), conversion.currency ?? c.currency),
    },
    events: events.map((e) => {
      const ev = e.evidence ? (JSON.parse(e.evidence) as EvidenceRecord) : null;
      return {
        id: e.id,
        receivedAt: iso(e.received_at)!,
        source: e.source,
        trust: e.trust,
        outcome: e.outcome,
        reason: e.reason,
        evidence: ev && {
          offerId: ev.reportedOfferId,
          clickId: ev.clickId,
          code: ev.code,
          currency: ev.amount?.currency ?? null,
          amount: ev.amount ? formatAmount(ev.amount.minor, ev.amount.currency) : null,
          occurredAt: iso(ev.occurredAt)!,
        },
      };
    }),
    decision: {
      outcome: decision.outcome ?? 'unattributed',
      reasons: [...(decision.reasons ?? []), ...(decision.notes ?? [])],
      credits: (decision.outcome === 'credited' ? decision.credits : []) ?? [],
      linkId: decision.linkId ?? null,
      codeId: decision.codeId ?? null,
      trust: decision.trust ?? null,
    },
    settings: snapshot
      ? {
          offerId: c.offer_id,
          offerName: snapshot.offerName,
          attributionRule: snapshot.attributionRule,
          cookieWindowDays: snapshot.cookieWindowDays,
          splitCodeSharePercent: snapshot.splitCodeShareBps / 100,
          holdDays: snapshot.holdDays,
          browserCodeCredit: snapshot.browserCodeCredit,
          payout: payout ? { title: payout.title, type: payout.type, value: payout.value, tiers: payout.tiers } : null,
          version: iso(snapshot.version)!,
        }
      : null,
    // Entries from before the ledger (no delta) are history: shown by what they changed.
    entries: entries.map((e) => {
      // A row from before the ledger and the opening entry state a balance; every later entry adds to it.
      const absolute = e.delta_minor === null || e.kind === 'opening';
      const delta = absolute
        ? Number(e.amount_after) - (e.kind === 'opening' ? balance : Number(e.amount_before))
        : Number(e.delta_minor);
      balance = absolute ? Number(e.amount_after) : balance + delta;
      return {
        id: e.id,
        kind: e.kind,
        amount: signed(delta),
        amountMinor: delta,
        balance: money(balance),
        balanceMinor: balance,
        statusAfter: e.status_after,
        actor: viewer.memberId ? forMember(e.actor) : e.actor,
        reason: e.reason,
        at: iso(e.created_at)!,
      };
    }),
  });
}
