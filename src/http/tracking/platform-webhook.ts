// What the Shopify, WooCommerce and Stripe webhook routes share: a refusal kept as a rejected event and answered in the one
// error shape, and a delivery acted on at most once by its delivery id (Stripe's: the event id).
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { rejectEvent } from '../../app/ingest.js';
import type { RawConversion } from '../../core/conversion-input.js';
import type { ConversionSource } from '../../db/schema.js';
import { claimDelivery, releaseDelivery } from '../../db/webhook-deliveries.js';
import type { Workspace } from '../../db/workspaces.js';
import { sendProblem } from '../errors.js';

/** A delivery refused for its body: kept as a rejected event, answered 4xx with the field at fault. */
export async function refuseDelivery(
  ctx: AppContext,
  ws: Workspace,
  source: ConversionSource,
  reply: FastifyReply,
  refusal: { code: string; message: string; claimed: RawConversion; path?: string },
): Promise<FastifyReply> {
  const { code, message, claimed, path } = refusal;
  await rejectEvent(ctx, ws, source, code, claimed);
  return sendProblem(reply, { code, message, ...(path !== undefined ? { details: [{ path, code, message }] } : {}) });
}

/**
 * Runs `act` unless this delivery id was claimed before (then answers `duplicate_delivery`). A delivery whose action
 * fails is given back, so the platform's retry is acted on.
 */
export async function actOncePerDelivery(
  ctx: AppContext,
  ws: Workspace,
  provider: 'shopify' | 'woocommerce' | 'stripe',
  deliveryId: string | undefined,
  reply: FastifyReply,
  act: () => Promise<unknown>,
): Promise<FastifyReply> {
  const delivery = deliveryId ? { workspace_id: ws.id, provider, delivery_id: deliveryId.slice(0, 200) } : null;
  if (delivery && !(await claimDelivery(ctx.store.db, delivery, ctx.clock())))
    return reply.send({ status: 'duplicate_delivery' });
  try {
    return reply.send(await act());
  } catch (e) {
    if (delivery) await releaseDelivery(ctx.store.db, delivery).catch(() => undefined);
    throw e;
  }
}
