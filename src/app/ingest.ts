// Conversion ingestion shared by every path: find the workspace, normalize the input, resolve the amount, record,
// and keep every event that was received but not credited, with its reason.
import { parseClickId } from '../core/click-id.js';
import { normalizeConversion, type ConversionInput, type RawConversion } from '../core/conversion-input.js';
import { CONTROL_CHARACTER_MESSAGE, withoutControlCharacters } from '../core/text.js';
import { newId } from '../core/ids.js';
import { parseAmount } from '../core/money.js';
import { insertEvent } from '../db/conversions.js';
import type { ConversionSource } from '../db/schema.js';
import type { Problem } from '../core/result.js';
import { findWorkspaceByClickTag, findWorkspaceByOffer, type Workspace } from '../db/workspaces.js';
import type { ClickFinder } from './click-finder.js';
import type { AppContext } from './context.js';
import { recordConversion, type RecordResult, type ResolvedAmount } from './record-conversion.js';

export type IngestResult =
  | { ok: true; result: RecordResult }
  /** `problem`: the detail's code when it differs from the answer's (validation_failed: control_character). */
  | { ok: false; code: string; message: string; field?: string; problem?: string };

/** A refused event in the one error shape, its field named in the details. */
export function ingestProblem(r: Extract<IngestResult, { ok: false }>): Problem {
  return {
    code: r.code,
    message: r.message,
    ...(r.field ? { details: [{ path: r.field, code: r.problem ?? r.code, message: r.message }] } : {}),
  };
}

/** Remembers waited-for lookups of one event, so a click is not fetched (nor waited for) twice. */
function oneLookupPerClick(clicks: ClickFinder): ClickFinder {
  const seen = new Map<string, ReturnType<ClickFinder['find']>>();
  return {
    find(id, opts) {
      if (opts?.db || opts?.wait === false) return clicks.find(id, opts);
      let found = seen.get(id);
      if (!found) seen.set(id, (found = clicks.find(id, opts)));
      return found;
    },
  };
}

/** The workspace a click id names in its tag, for paths that carry no secret (the pixel) or a bad one (to keep the event). */
export async function workspaceOfClick(ctx: AppContext, clickId: string | undefined): Promise<Workspace | undefined> {
  const parsed = clickId ? parseClickId(clickId.trim()) : null;
  return parsed ? findWorkspaceByClickTag(ctx.store.db, parsed.workspaceTag) : undefined;
}

export async function rejectEvent(
  ctx: AppContext,
  ws: Workspace,
  source: ConversionSource,
  reason: string,
  raw: RawConversion,
): Promise<void> {
  const now = ctx.clock();
  ctx.conversionEvent?.(source, 'rejected');
  // A refused input may carry what no stored text can (NUL); the kept copy shows it as U+FFFD.
  raw = Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, typeof v === 'string' ? withoutControlCharacters(v) : v]),
  ) as RawConversion;
  await insertEvent(ctx.store.db, {
    id: newId('evt', now),
    workspace_id: ws.id,
    conversion_id: null,
    received_at: now,
    source,
    order_id: raw.order?.slice(0, 200) ?? null,
    is_test: /^(1|true|yes)$/i.test(raw.test ?? '') ? 1 : 0,
    outcome: 'rejected',
    reason,
    detail: JSON.stringify({ input: raw }),
    trust: null,
    evidence: null,
    event_key: null,
  });
}

/** An amount without a currency is in the currency of the offer the event names, else of the clicked offer, else the workspace's. */
async function resolveAmount(
  ctx: AppContext,
  ws: Workspace,
  input: ConversionInput,
  clicks: ClickFinder,
): Promise<ResolvedAmount | null | 'amount_too_precise'> {
  if (!input.amount) return null;
  let currency = input.amount.currency;
  if (!currency && input.offerId)
    currency = (await findWorkspaceByOffer(ctx.store.db, input.offerId))?.offer_currency ?? null;
  if (!currency && input.clickId) {
    const click = await clicks.find(input.clickId);
    if (click) currency = (await findWorkspaceByOffer(ctx.store.db, click.offerId))?.offer_currency ?? null;
  }
  currency ??= ws.currency;
  const parsed = parseAmount(input.amount.value, currency);
  return parsed.ok ? { minor: parsed.minor, currency } : 'amount_too_precise';
}

export async function ingest(
  ctx: AppContext,
  clicks: ClickFinder,
  ws: Workspace,
  source: ConversionSource,
  raw: RawConversion,
  detail: Record<string, unknown> = {},
): Promise<IngestResult> {
  const normalized = normalizeConversion(raw, ctx.clock());
  if (!normalized.ok) {
    await rejectEvent(ctx, ws, source, normalized.problem, raw);
    if (normalized.problem === 'control_character') {
      return {
        ok: false,
        code: 'validation_failed',
        problem: 'control_character',
        message: MESSAGES.control_character!,
        field: normalized.field,
      };
    }
    return {
      ok: false,
      code: normalized.problem,
      message: MESSAGES[normalized.problem] ?? 'Invalid input.',
      field: normalized.field,
    };
  }
  const input = normalized.value;
  // The amount's currency and the attribution may both need the event's click: looked up (and waited for) once.
  const once = oneLookupPerClick(clicks);
  const amount = await resolveAmount(ctx, ws, input, once);
  if (amount === 'amount_too_precise') {
    await rejectEvent(ctx, ws, source, 'amount_too_precise', raw);
    return { ok: false, code: 'amount_too_precise', message: MESSAGES.amount_too_precise!, field: 'amount' };
  }
  const result = await recordConversion(ctx, once, ws, source, input, amount, { input: raw, ...detail });
  ctx.conversionEvent?.(source, result.outcome);
  return { ok: true, result };
}

const MESSAGES: Record<string, string> = {
  order_missing: 'An order id (order) is required: it is what makes a conversion count once.',
  order_invalid: 'The order id must be 1 to 200 printable characters.',
  offer_invalid: 'offer must be an offer id (off_…).',
  amount_invalid: 'amount must be a decimal number such as 49.90.',
  amount_negative: 'amount cannot be negative; send refunds as refunds.',
  amount_too_precise: 'amount has more decimals than its currency has.',
  amount_too_large: 'amount is larger than any real order.',
  currency_invalid: 'currency must be an ISO-4217 code such as USD.',
  time_invalid: 'time must be unix seconds or an ISO 8601 date within the last 400 days.',
  control_character: CONTROL_CHARACTER_MESSAGE,
};
