// The outbox and send log; "email members their links and codes".
import { Type, type Static } from '@sinclair/typebox';
import { EMAIL_KINDS, EMAIL_STATUSES } from '../core/email-kinds.js';
import { ids, NullableString, PageQuery } from './common.js';

export const EmailIdSchema = Type.Object({
  id: Type.String({ pattern: '^eml_[0-9a-z]{26}$', description: 'Id starting with eml_' }),
});
const Status = Type.Union(EMAIL_STATUSES.map((x) => Type.Literal(x)));

const emailFields = {
  id: Type.String(),
  kind: Type.String({ description: EMAIL_KINDS.join(' | ') }),
  to: Type.String(),
  subject: Type.String(),
  status: Type.String({ description: 'queued | sending | sent | failed | bounced' }),
  attempts: Type.Integer(),
  memberId: NullableString(),
  offerId: NullableString(),
  userId: NullableString(),
  nextAttemptAt: NullableString('When the next attempt is due (queued emails).'),
  expiresAt: NullableString('Not sent after this time (a sign-in or setup link that no longer works).'),
  lastError: NullableString("The SMTP server's reply (or the error) of the last failed attempt."),
  deliveredVia: NullableString('smtp, or outbox: no SMTP_URL was set and the message was written to DATA_DIR/outbox.'),
  note: NullableString("The server's acceptance reply, or where the outbox file was written."),
  messageId: NullableString(),
  createdAt: Type.String(),
  sentAt: NullableString(),
};
export const EmailSummarySchema = Type.Object(emailFields);
export type EmailSummary = Static<typeof EmailSummarySchema>;
export const EmailSchema = Type.Object({ ...emailFields, text: Type.String(), html: Type.String() });
export type Email = Static<typeof EmailSchema>;

export const EmailListQuerySchema = Type.Object({
  ...PageQuery,
  status: Type.Optional(Status),
  deliveredVia: Type.Optional(
    Type.Union([Type.Literal('smtp'), Type.Literal('outbox')], {
      description:
        'smtp: handed to the mail server; outbox: only written to DATA_DIR/outbox (no SMTP_URL), so nobody received it.',
    }),
  ),
  kind: Type.Optional(Type.String({ maxLength: 40 })),
  memberId: Type.Optional(ids.member),
  offerId: Type.Optional(ids.offer),
});

export const EmailMembersParamsSchema = Type.Object({ id: ids.offer });
export const EmailMembersSchema = Type.Object(
  {
    memberIds: Type.Optional(Type.Array(ids.member, { minItems: 1, maxItems: 5000 })),
    message: Type.Optional(Type.String({ maxLength: 5000, description: 'A note shown above the links.' })),
  },
  { additionalProperties: false },
);
export type EmailMembers = Static<typeof EmailMembersSchema>;

export const EmailMembersResultSchema = Type.Object({
  queued: Type.Array(Type.Object({ emailId: Type.String(), memberId: Type.String(), to: Type.String() })),
  skipped: Type.Array(
    Type.Object({
      memberId: Type.String(),
      reason: Type.String({ description: 'not_on_offer | no_email | nothing_to_send' }),
      message: Type.String(),
    }),
  ),
});
export type EmailMembersResult = Static<typeof EmailMembersResultSchema>;
