// Exchange rates a workspace sets for orders whose currency differs from the offer's. Without one, such an order is
// kept with the note no_fx_rate and earns nothing until a rate exists and the order is recomputed.
import { convertMinor } from '../core/fx.js';
import { isCurrency } from '../core/money.js';
import { fail, ok, type Result } from '../core/result.js';
import type { Actor, AppContext } from './context.js';

export async function setFxRate(
  ctx: AppContext,
  actor: Actor,
  input: { from: string; to: string; rate: string },
): Promise<Result<{ from: string; to: string; rate: string; updatedAt: string }>> {
  const details = [];
  if (!isCurrency(input.from)) details.push({ path: 'from', code: 'currency_invalid', message: 'An ISO-4217 code.' });
  if (!isCurrency(input.to)) details.push({ path: 'to', code: 'currency_invalid', message: 'An ISO-4217 code.' });
  if (input.from === input.to)
    details.push({ path: 'to', code: 'same_currency', message: 'A rate converts between two different currencies.' });
  const probe = convertMinor(
    100,
    isCurrency(input.from) ? input.from : 'USD',
    isCurrency(input.to) ? input.to : 'EUR',
    input.rate,
  );
  if (!probe.ok && probe.error !== 'currency_invalid')
    details.push({
      path: 'rate',
      code: probe.error,
      message: 'A positive decimal such as "0.9213": units of `to` per one unit of `from`.',
    });
  if (details.length) return fail('validation_failed', 'The rate is not valid.', details);
  const now = ctx.clock();
  const row = {
    workspace_id: actor.workspaceId,
    from_currency: input.from,
    to_currency: input.to,
    rate: input.rate.trim(),
    updated_at: now,
  };
  await ctx.store.db
    .insertInto('fx_rates')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'from_currency', 'to_currency']).doUpdateSet({ rate: row.rate, updated_at: now }),
    )
    .execute();
  return ok({ from: row.from_currency, to: row.to_currency, rate: row.rate, updatedAt: new Date(now).toISOString() });
}

export async function listFxRates(ctx: AppContext, actor: Actor) {
  const rows = await ctx.store.db
    .selectFrom('fx_rates')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('from_currency')
    .orderBy('to_currency')
    .execute();
  return {
    data: rows.map((r) => ({
      from: r.from_currency,
      to: r.to_currency,
      rate: r.rate,
      updatedAt: new Date(r.updated_at).toISOString(),
    })),
  };
}

/** The order's amount in the offer's currency, or null when the workspace has no rate for the pair. */
export async function inOfferCurrency(
  rateOf: (from: string, to: string) => Promise<string | null>,
  amount: { minor: number; currency: string },
  offerCurrency: string,
): Promise<number | null> {
  if (amount.currency === offerCurrency) return amount.minor;
  const rate = await rateOf(amount.currency, offerCurrency);
  if (rate === null) return null;
  const converted = convertMinor(amount.minor, amount.currency, offerCurrency, rate);
  return converted.ok ? converted.minor : null;
}
