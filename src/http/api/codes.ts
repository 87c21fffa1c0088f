import { createCode, disableCode, generateCodes, getCode, listCodes, setStripePromotionCode } from '../../app/codes.js';
import type { AppContext } from '../../app/context.js';
import { sendResult } from '../errors.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const CodeId = c.IdParam(c.ids.code);
const tags = ['codes'];

export function codeRoutes(app: Api, ctx: AppContext): void {
  app.post(
    '/codes',
    {
      schema: {
        tags,
        summary: 'Create a promo code: generic (no member) or for one member of the offer',
        body: c.CodeCreateSchema,
        response: { 201: c.RefTo(c.CodeSchema), ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await createCode(ctx, req.actor, req.body), 201),
  );

  app.post(
    '/offers/:id/codes/generate',
    {
      schema: {
        tags,
        summary:
          'Generate personalized codes from a pattern for members of the offer (default: every member without an active code)',
        params: c.IdParam(c.ids.offer),
        body: c.CodeGenerateSchema,
        response: { 201: c.GeneratedCodesSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => {
      const r = await generateCodes(ctx, req.actor, req.params.id, {
        pattern: req.body.pattern ?? '{NAME}{RAND4}',
        memberIds: req.body.memberIds,
      });
      return sendResult(reply, r.ok ? { ok: true, value: { data: r.value } } : r, 201);
    },
  );

  app.get(
    '/codes',
    {
      schema: {
        tags,
        summary: 'List promo codes, newest first',
        querystring: c.CodeListQuerySchema,
        response: { 200: c.PageSchema(c.RefTo(c.CodeSchema)), ...c.errorResponses },
      },
    },
    async (req) => listCodes(ctx, req.actor, req.query),
  );

  app.get(
    '/codes/:id',
    {
      schema: {
        tags,
        summary: 'Read a promo code',
        params: CodeId,
        response: { 200: c.RefTo(c.CodeSchema), ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await getCode(ctx, req.actor, req.params.id)),
  );

  app.patch(
    '/codes/:id',
    {
      schema: {
        tags,
        summary: 'Set the Stripe promotion code that stands for a promo code at a Stripe Checkout',
        params: CodeId,
        body: c.CodeUpdateSchema,
        response: { 200: c.RefTo(c.CodeSchema), ...c.errorResponses },
      },
    },
    async (req, reply) =>
      sendResult(reply, await setStripePromotionCode(ctx, req.actor, req.params.id, req.body.stripePromotionCodeId)),
  );

  app.post(
    '/codes/:id/disable',
    {
      schema: {
        tags,
        summary: 'Disable a promo code',
        params: CodeId,
        response: { 200: c.RefTo(c.CodeSchema), ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await disableCode(ctx, req.actor, req.params.id)),
  );
}
