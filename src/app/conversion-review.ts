// SPEC §4: an order held because only the browser reported it (a code without a recorded click, an implausible amount)
// waits for the brand's server or a person. Approving decides it again as if its browser evidence were trusted and
// credits it through the ledger, with the person as the actor; rejecting keeps it and credits nobody, for good.
import { orderFacts } from '../core/order-evidence.js';
import { fail, ok, type Result } from '../core/result.js';
import { recordAudit } from '../db/audit.js';
import * as repo from '../db/conversions.js';
import { findWorkspace } from '../db/workspaces.js';
import { foundClick, type ClickFinder } from './click-finder.js';
import type { Actor, AppContext } from './context.js';
import { uncachedFacts } from './conversion-facts.js';
import { conversionView } from './conversions.js';
import { decideOrder } from './order-decision.js';
import { redecide, storedEvidence } from './record-conversion.js';

/** Clicks of an order under review were written long ago: the table is enough. */
const storedClicks: ClickFinder = {
  async find(id, opts) {
    const row = opts?.db ? await repo.findClick(opts.db, id) : undefined;
    return row ? foundClick(row) : null;
  },
};

export async function reviewConversion(
  ctx: AppContext,
  actor: Actor,
  id: string,
  review: { action: 'approve' | 'reject'; reason: string },
): Promise<Result<ReturnType<typeof conversionView>>> {
  const reason = review.reason.trim();
  if (!reason)
    return fail('validation_failed', 'Say why.', [
      { path: 'reason', code: 'required', message: 'A reason is required.' },
    ]);
  const ws = await findWorkspace(ctx.store.db, actor.workspaceId);
  if (!ws) return fail('not_found', 'Workspace not found.');
  const now = ctx.clock();
  return ctx.store.writeTransaction(async (tx) => {
    const found = await tx
      .selectFrom('conversions')
      .select(['order_id', 'is_test'])
      .where('workspace_id', '=', ws.id)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!found) return fail('not_found', 'Conversion not found.');
    const row = await repo.lockConversionByOrder(tx, ws.id, found.is_test === 1, found.order_id);
    if (row.status !== 'unverified')
      return fail(
        'conversion_not_held',
        `Only an order held for review can be approved or rejected; this one is ${row.status.replace('_', ' ')}.`,
      );
    const verdict = review.action === 'approve' ? ('approved' as const) : ('rejected' as const);
    const reviewed = { ...row, review: verdict };
    const stored = await storedEvidence(tx, row);
    const facts = ctx.conversionFacts?.forWorkspace(ws.id) ?? uncachedFacts(ws.id);
    const again = await redecide(
      tx,
      {
        ws,
        now,
        actor: actor.actor,
        existing: await repo.commissionsOf(tx, row.id, { lock: true }),
        detail: { review: verdict, reason },
        endpoints: row.is_test ? undefined : await facts.webhookEndpoints(tx),
      },
      reviewed,
      orderFacts(stored, Number(row.created_at)),
      (order) =>
        decideOrder(
          tx,
          facts,
          storedClicks,
          ws,
          { isTest: row.is_test === 1, unusableClickId: null, review: verdict },
          null,
          order,
          row.id,
        ),
    );
    if (!again) return fail('commission_final', "The order's decision is final.");
    await repo.updateConversion(tx, row.id, { review: verdict, updated_at: now });
    await recordAudit(tx, {
      ...actor,
      entity: 'conversion',
      entityId: row.id,
      action: review.action === 'approve' ? 'review_approved' : 'review_rejected',
      detail: { reason },
      now,
    });
    const updated = await tx.selectFrom('conversions').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    return ok(conversionView(updated));
  });
}
