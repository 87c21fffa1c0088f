import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { emailOfferMembers, getEmail, listEmails, retryEmail } from '../../app/emails.js';
import { EMAIL_KINDS, EMAIL_STATUSES } from '../../db/emails.js';
import { sendResult } from '../errors.js';
import * as s from '../schemas.js';
import type { Api } from './types.js';

const Nullable = (description?: string) => Type.Unsafe<string | null>({ type: ['string', 'null'], ...(description ? { description } : {}) });
const EmailId = Type.Object({ id: Type.String({ pattern: '^eml_[0-9a-z]{26}$', description: 'Id starting with eml_' }) });
const Status = Type.Union(EMAIL_STATUSES.map((x) => Type.Literal(x)));

const emailFields = {
  id: Type.String(),
  kind: Type.String({ description: EMAIL_KINDS.join(' | ') }),
  to: Type.String(),
  subject: Type.String(),
  status: Type.String({ description: 'queued | sending | sent | failed | bounced' }),
  attempts: Type.Integer(),
  memberId: Nullable(),
  offerId: Nullable(),
  userId: Nullable(),
  nextAttemptAt: Nullable('When the next attempt is due (queued emails).'),
  expiresAt: Nullable('Not sent after this time (a sign-in or setup link that no longer works).'),
  lastError: Nullable("The SMTP server's reply (or the error) of the last failed attempt."),
  deliveredVia: Nullable('smtp, or outbox: no SMTP_URL was set and the message was written to DATA_DIR/outbox.'),
  note: Nullable("The server's acceptance reply, or where the outbox file was written."),
  messageId: Nullable(),
  createdAt: Type.String(),
  sentAt: Nullable(),
};
const EmailSummary = Type.Object(emailFields);
const Email = Type.Object({ ...emailFields, text: Type.String(), html: Type.String() });
const tags = ['emails'];

export function emailRoutes(app: Api, ctx: AppContext): void {
  // `:id` like the other /offers/:id routes: the router needs one parameter name per position.
  app.post('/offers/:id/members/email', {
    schema: {
      tags, summary: 'Email members their tracking links and promo codes for the offer',
      description: 'Queues one email per member (all members on the offer unless memberIds is given). Members without an email ' +
        'address, not on the offer, or with no active link or code are listed in `skipped` with the reason.',
      params: Type.Object({ id: s.ids.offer }),
      body: Type.Object({
        memberIds: Type.Optional(Type.Array(s.ids.member, { minItems: 1, maxItems: 5000 })),
        message: Type.Optional(Type.String({ maxLength: 5000, description: 'A note shown above the links.' })),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          queued: Type.Array(Type.Object({ emailId: Type.String(), memberId: Type.String(), to: Type.String() })),
          skipped: Type.Array(Type.Object({ memberId: Type.String(), reason: Type.String({ description: 'not_on_offer | no_email | nothing_to_send' }), message: Type.String() })),
        }),
        ...s.errorResponses,
      },
    },
  }, async (req, reply) => sendResult(reply, await emailOfferMembers(ctx, req.actor, req.params.id, req.body)));

  app.get('/emails', {
    schema: {
      tags, summary: 'Sent and queued emails (the outbox and send log), newest first',
      querystring: Type.Object({
        ...s.PageQuery,
        status: Type.Optional(Status),
        kind: Type.Optional(Type.String({ maxLength: 40 })),
        memberId: Type.Optional(s.ids.member),
        offerId: Type.Optional(s.ids.offer),
      }),
      response: { 200: s.Page(EmailSummary), ...s.errorResponses },
    },
  }, async (req) => listEmails(ctx, req.actor, req.query));

  app.get('/emails/:id', {
    schema: { tags, summary: 'One email with its bodies and last error', params: EmailId, response: { 200: Email, ...s.errorResponses } },
  }, async (req, reply) => sendResult(reply, await getEmail(ctx, req.actor, req.params.id)));

  app.post('/emails/:id/retry', {
    schema: {
      tags, summary: 'Send a failed or bounced email again', params: EmailId,
      response: { 200: Email, ...s.errorResponses },
    },
  }, async (req, reply) => sendResult(reply, await retryEmail(ctx, req.actor, req.params.id)));
}
