import type { AppContext } from '../../app/context.js';
import { emailOfferMembers, getEmail, listEmails, retryEmail } from '../../app/emails.js';
import { sendResult } from '../errors.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const EmailId = c.EmailIdSchema;
const tags = ['emails'];

export function emailRoutes(app: Api, ctx: AppContext): void {
  // `:id` like the other /offers/:id routes: the router needs one parameter name per position.
  app.post(
    '/offers/:id/members/email',
    {
      schema: {
        tags,
        summary: 'Email members their tracking links and promo codes for the offer',
        description:
          'Queues one email per member (all members on the offer unless memberIds is given). Members without an email ' +
          'address, not on the offer, or with no active link or code are listed in `skipped` with the reason.',
        params: c.EmailMembersParamsSchema,
        body: c.EmailMembersSchema,
        response: {
          200: c.EmailMembersResultSchema,
          ...c.errorResponses,
        },
      },
    },
    async (req, reply) => sendResult(reply, await emailOfferMembers(ctx, req.actor, req.params.id, req.body)),
  );

  app.get(
    '/emails',
    {
      schema: {
        tags,
        summary: 'Sent and queued emails (the outbox and send log), newest first',
        querystring: c.EmailListQuerySchema,
        response: { 200: c.PageSchema(c.EmailSummarySchema), ...c.errorResponses },
      },
    },
    async (req) => listEmails(ctx, req.actor, req.query),
  );

  app.get(
    '/emails/:id',
    {
      schema: {
        tags,
        summary: 'One email with its bodies and last error',
        params: EmailId,
        response: { 200: c.EmailSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await getEmail(ctx, req.actor, req.params.id)),
  );

  app.post(
    '/emails/:id/retry',
    {
      schema: {
        tags,
        summary: 'Send a failed or bounced email again',
        params: EmailId,
        response: { 200: c.EmailSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await retryEmail(ctx, req.actor, req.params.id)),
  );
}
