// POST /webhooks/stripe/{workspace}: Stripe's webhook events (a webhook endpoint added in Stripe's dashboard). The
// Stripe-Signature header is verified with the official `stripe` package over the raw body, within its default
// tolerance (300 s); an event is acted on once by its id (evt_…), on whichever instance receives it. Event types not
// handled are answered 200 and ignored: Stripe sends again whatever a non-2xx answers.
//
// A signature that does not verify is answered 400 (as Stripe documents) and kept as a rejected event; a genuine event
// we decide not to act on answers 200 with status "rejected" or "ignored" and its reason.
import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import type { AppContext } from '../../app/context.js';
import type { ClickFinder } from '../../app/click-finder.js';
import { rejectEvent } from '../../app/ingest.js';
import { actOnStripeEvent } from '../../app/stripe.js';
import { parseJsonExact } from '../../core/exact-json.js';
import { planStripeEvent, readStripeEvent, STRIPE_EVENT_TYPES } from '../../core/stripe-payload.js';
import { findWorkspace } from '../../db/workspaces.js';
import { sendProblem } from '../errors.js';
import { actOncePerDelivery, refuseDelivery } from './platform-webhook.js';

/** Whether the header signs the body with the secret, at `now` (ms), within the package's default tolerance. */
function verifies(raw: string, header: string | undefined, secret: string, now: number): boolean {
  if (!header) return false;
  try {
    Stripe.webhooks.constructEvent(raw, header, secret, undefined, undefined, now);
    return true;
  } catch {
    return false;
  }
}

export function stripeRoutes(scope: FastifyInstance, ctx: AppContext, clicks: ClickFinder): void {
  scope.post('/webhooks/stripe/:workspace', { schema: { hide: true } }, async (req, reply) => {
    const { workspace } = req.params as { workspace: string };
    const ws = /^ws_[0-9a-z]{26}$/.test(workspace) ? await findWorkspace(ctx.store.db, workspace) : undefined;
    if (!ws) return sendProblem(reply, { code: 'not_found', message: 'No such workspace.' });
    const raw = typeof req.body === 'string' ? req.body : '';
    const header = req.headers['stripe-signature'];
    const secret = ws.stripe_webhook_secret;
    if (!secret) {
      await rejectEvent(ctx, ws, 'stripe', 'stripe_not_connected', {});
      return sendProblem(reply, {
        code: 'stripe_not_connected',
        message: 'The workspace has no Stripe signing secret: set it in Settings → Tracking setup.',
      });
    }
    if (!verifies(raw, typeof header === 'string' ? header : undefined, secret, ctx.clock())) {
      await rejectEvent(ctx, ws, 'stripe', 'bad_signature', {});
      return sendProblem(reply, {
        code: 'stripe_signature_invalid',
        message: 'Stripe-Signature does not verify with the workspace’s signing secret (or is older than 300 s).',
      });
    }
    const body = parseJsonExact(raw);
    if (body === undefined)
      return refuseDelivery(ctx, ws, 'stripe', reply, {
        code: 'body_invalid',
        message: 'The body is not JSON.',
        claimed: {},
      });
    const shape = readStripeEvent(body);
    if (!shape.ok)
      return refuseDelivery(ctx, ws, 'stripe', reply, {
        code: 'payload_invalid',
        message: shape.message,
        claimed: {},
        path: shape.path,
      });
    const { event } = shape;
    if (!STRIPE_EVENT_TYPES.includes(event.type)) return reply.send({ status: 'ignored', type: event.type });
    const plan = planStripeEvent(event);
    if (plan.kind === 'invalid')
      return refuseDelivery(ctx, ws, 'stripe', reply, {
        code: 'payload_invalid',
        message: plan.message,
        claimed: {},
        path: `data.object.${plan.path}`,
      });
    if (plan.kind === 'ignore') return reply.send({ status: 'ignored', type: event.type, reason: plan.reason });
    return actOncePerDelivery(ctx, ws, 'stripe', event.id, reply, () => actOnStripeEvent(ctx, clicks, ws, event, plan));
  });
}
