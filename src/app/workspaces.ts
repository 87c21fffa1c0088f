// Workspaces (one per brand), their API keys, and the demo data a new user sees first.
import { newWorkspaceTag } from '../core/click-id.js';
import { formatAmount, isCurrency } from '../core/money.js';
import { fail, ok, type Result } from '../core/result.js';
import { recordAudit } from '../db/audit.js';
import { uniqueViolation } from '../db/dialect/index.js';
import * as repo from '../db/workspaces.js';
import type { Workspace } from '../contract/workspace.js';
import type { Actor, AppContext } from './context.js';

/** Secrets are null for whoever may not see them (a viewer); platform secrets are never shown again. */
export type WorkspaceView = Workspace;

/** What the caller may see decides whether secrets are in the view; there is no default, so no caller forgets. */
export interface ViewerRights {
  secrets: boolean;
}

export function workspaceView(
  w: repo.Workspace,
  baseUrl: string,
  rights: { secrets: true },
): WorkspaceView & { postbackSecret: string };
export function workspaceView(w: repo.Workspace, baseUrl: string, rights: ViewerRights): WorkspaceView;
export function workspaceView(w: repo.Workspace, baseUrl: string, rights: ViewerRights): WorkspaceView {
  return {
    id: w.id,
    name: w.name,
    timezone: w.timezone,
    currency: w.currency,
    postbackSecret: rights.secrets ? w.postback_secret : null,
    shopifyConnected: w.shopify_webhook_secret !== null,
    shopifyWebhookUrl: `${baseUrl}/webhooks/shopify/${w.id}`,
    woocommerceConnected: w.woocommerce_webhook_secret !== null,
    woocommerceWebhookUrl: `${baseUrl}/webhooks/woocommerce/${w.id}`,
    stripeConnected: w.stripe_webhook_secret !== null,
    stripeWebhookUrl: `${baseUrl}/webhooks/stripe/${w.id}`,
    defaultHoldDays: w.default_hold_days,
    minimumPayout: formatAmount(w.min_payout_minor, w.currency),
    createdAt: new Date(w.created_at).toISOString(),
  };
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The same range as an offer's hold (contract/offers.ts, migration 0021): the CLI and scripts reach here too. */
function isHoldDays(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 365;
}

export async function createWorkspace(
  ctx: AppContext,
  input: { name: string; timezone?: string; currency?: string },
): Promise<Result<{ workspace: WorkspaceView & { postbackSecret: string }; apiKey: string; apiKeyId: string }>> {
  if (!input.name.trim())
    return fail('validation_failed', 'A workspace needs a name.', [
      { path: 'name', code: 'required', message: 'Name is empty.' },
    ]);
  if (input.timezone && !isTimeZone(input.timezone))
    return fail('validation_failed', `Unknown time zone "${input.timezone}".`, [
      { path: 'timezone', code: 'timezone_invalid', message: 'Use an IANA zone such as Europe/Paris.' },
    ]);
  if (input.currency && !isCurrency(input.currency))
    return fail('validation_failed', `Unknown currency "${input.currency}".`, [
      { path: 'currency', code: 'currency_invalid', message: 'Use an ISO-4217 code such as EUR.' },
    ]);
  const now = ctx.clock();
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.store.db.transaction().execute(async (tx) => {
        const workspace = await repo.insertWorkspace(tx, {
          name: input.name.trim(),
          timezone: input.timezone,
          currency: input.currency,
          clickTag: newWorkspaceTag(),
          now,
        });
        const key = await repo.insertApiKey(tx, { workspaceId: workspace.id, name: 'Default key', now });
        return ok({
          workspace: workspaceView(workspace, ctx.baseUrl, { secrets: true }),
          apiKey: key.key,
          apiKeyId: key.id,
        });
      });
    } catch (e) {
      // Four base62 characters give 14.7 M click tags; a collision just draws again.
      if (!uniqueViolation(e) || attempt >= 5) throw e;
    }
  }
}

export async function getWorkspace(
  ctx: AppContext,
  actor: Actor,
  rights: ViewerRights,
): Promise<Result<WorkspaceView>> {
  const w = await repo.findWorkspace(ctx.store.db, actor.workspaceId);
  return w ? ok(workspaceView(w, ctx.baseUrl, rights)) : fail('not_found', 'Workspace not found.');
}

export async function updateWorkspace(
  ctx: AppContext,
  actor: Actor,
  input: {
    name?: string;
    timezone?: string;
    currency?: string;
    shopifyWebhookSecret?: string | null;
    woocommerceWebhookSecret?: string | null;
    stripeWebhookSecret?: string | null;
    defaultHoldDays?: number;
  },
  rights: ViewerRights,
): Promise<Result<WorkspaceView>> {
  const details = [];
  if (input.name !== undefined && !input.name.trim())
    details.push({ path: 'name', code: 'required', message: 'Name is empty.' });
  if (input.timezone !== undefined && !isTimeZone(input.timezone))
    details.push({ path: 'timezone', code: 'timezone_invalid', message: 'Use an IANA zone such as Europe/Paris.' });
  if (input.currency !== undefined && !isCurrency(input.currency))
    details.push({ path: 'currency', code: 'currency_invalid', message: 'Use an ISO-4217 code such as EUR.' });
  if (input.defaultHoldDays !== undefined && !isHoldDays(input.defaultHoldDays))
    details.push({ path: 'defaultHoldDays', code: 'hold_days_invalid', message: 'Whole days from 0 to 365.' });
  if (details.length) return fail('validation_failed', 'Some fields are not valid.', details);
  const { shopifyWebhookSecret, woocommerceWebhookSecret, stripeWebhookSecret, defaultHoldDays, ...rest } = input;
  const secrets = {
    ...(shopifyWebhookSecret !== undefined ? { shopify_webhook_secret: shopifyWebhookSecret?.trim() || null } : {}),
    ...(woocommerceWebhookSecret !== undefined
      ? { woocommerce_webhook_secret: woocommerceWebhookSecret?.trim() || null }
      : {}),
    ...(stripeWebhookSecret !== undefined ? { stripe_webhook_secret: stripeWebhookSecret?.trim() || null } : {}),
  };
  const patch = {
    ...rest,
    ...(defaultHoldDays !== undefined ? { default_hold_days: defaultHoldDays } : {}),
    ...(input.name ? { name: input.name.trim() } : {}),
    ...secrets,
  };
  await repo.updateWorkspace(ctx.store.db, actor.workspaceId, patch);
  // The audit log records that a platform's secret changed, never its value.
  const logged = {
    ...patch,
    ...Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, v ? 'set' : 'cleared'])),
  };
  await recordAudit(ctx.store.db, {
    ...actor,
    entity: 'workspace',
    entityId: actor.workspaceId,
    action: 'updated',
    detail: { after: logged },
    now: ctx.clock(),
  });
  return getWorkspace(ctx, actor, rights);
}

export async function createApiKey(ctx: AppContext, actor: Actor, name: string) {
  const now = ctx.clock();
  const key = await repo.insertApiKey(ctx.store.db, {
    workspaceId: actor.workspaceId,
    name: name.trim() || 'API key',
    now,
  });
  await recordAudit(ctx.store.db, {
    ...actor,
    entity: 'api_key',
    entityId: key.id,
    action: 'created',
    detail: { name },
    now,
  });
  return {
    id: key.id,
    name: name.trim() || 'API key',
    prefix: key.prefix,
    key: key.key,
    createdAt: new Date(now).toISOString(),
  };
}

export async function listApiKeys(ctx: AppContext, actor: Actor) {
  const rows = await repo.listApiKeys(ctx.store.db, actor.workspaceId);
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    createdAt: iso(r.created_at)!,
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  }));
}

export async function revokeApiKey(ctx: AppContext, actor: Actor, id: string): Promise<Result<{ revoked: true }>> {
  const now = ctx.clock();
  if (!(await repo.revokeApiKey(ctx.store.db, actor.workspaceId, id, now)))
    return fail('not_found', 'API key not found.');
  await recordAudit(ctx.store.db, { ...actor, entity: 'api_key', entityId: id, action: 'revoked', now });
  return ok({ revoked: true });
}
