// Getting started: the setup checklist (four steps, each proved by what the server stored) and the tracking check
// (test=1 orders explained: what was matched, which rule decided, what would have been paid).
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const OrNull = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const stepFields = {
  done: Type.Boolean(),
  doneAt: OrNull(Type.String({ description: 'When the first evidence was stored' })),
};
export const SetupChecklistSchema = Type.Object({
  steps: Type.Tuple([
    Type.Object(
      {
        key: Type.Literal('offer'),
        ...stepFields,
        proof: Type.Union([Type.Object({ offerId: Type.String(), offerName: Type.String() }), Type.Null()]),
      },
      { description: 'Create an offer: the first offer of the workspace' },
    ),
    Type.Object(
      {
        key: Type.Literal('member'),
        ...stepFields,
        proof: Type.Union([
          Type.Object({
            offerId: Type.String(),
            offerName: Type.String(),
            memberId: Type.String(),
            memberName: Type.String(),
          }),
          Type.Null(),
        ]),
      },
      { description: 'Add a creator to an offer: the first member added to an offer' },
    ),
    Type.Object(
      {
        key: Type.Literal('click'),
        ...stepFields,
        proof: Type.Union([
          Type.Object({ clickId: Type.String(), linkId: Type.String(), memberId: Type.String() }),
          Type.Null(),
        ]),
      },
      { description: 'A click on a creator’s link: the first tracked, non-bot click recorded by the server' },
    ),
    Type.Object(
      {
        key: Type.Literal('conversion'),
        ...stepFields,
        proof: Type.Union([
          Type.Object({
            conversionId: Type.String(),
            orderId: Type.String(),
            test: Type.Boolean(),
            source: Type.String(),
          }),
          Type.Null(),
        ]),
      },
      { description: 'A conversion received by any path (postback, pixel, t.js, Shopify), test or real' },
    ),
  ]),
  allDone: Type.Boolean(),
  next: Type.Object(
    {
      offerId: OrNull(Type.String({ description: 'The first offer, to add creators to' })),
      link: OrNull(
        Type.Object(
          {
            id: Type.String(),
            url: Type.String(),
            memberId: Type.String(),
            memberName: Type.String(),
            offerId: Type.String(),
          },
          { description: 'The first creator’s active link, to click' },
        ),
      ),
    },
    { description: 'What the next step needs' },
  ),
});
export type SetupChecklist = Static<typeof SetupChecklistSchema>;
export type SetupStep = SetupChecklist['steps'][number];

export const TrackingCheckQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
});

const Money = Type.String({ description: 'Decimal amount in the currency' });

export const TrackingCheckOrderSchema = Type.Object({
  conversionId: Type.String(),
  orderId: Type.String(),
  status: Type.String(),
  receivedAt: Type.String(),
  occurredAt: Type.String(),
  source: OrNull(Type.String({ description: 'The path of the first event: postback, pixel, tag, shopify…' })),
  trust: OrNull(Type.String()),
  amount: OrNull(Money),
  currency: OrNull(Type.String()),
  matched: Type.Object(
    {
      clickId: OrNull(Type.String()),
      link: OrNull(Type.Object({ id: Type.String(), slug: Type.String() })),
      code: OrNull(Type.String({ description: 'The code on the order, as received (upper-cased)' })),
      codeMatched: Type.Boolean({ description: 'The code was one of the workspace’s codes' }),
    },
    { description: 'What the order carried and what of it was found' },
  ),
  credits: Type.Array(
    Type.Object({
      offerId: Type.String(),
      offerName: OrNull(Type.String()),
      memberId: OrNull(Type.String()),
      memberName: OrNull(Type.String()),
      source: Type.String({ description: 'link | code | …: what earned the credit' }),
      shareBps: Type.Integer(),
    }),
  ),
  rule: OrNull(Type.String({ description: 'The credited offer’s attribution rule: code_first | click_first | split' })),
  reasons: Type.Array(Type.String()),
  wouldHavePaid: Type.Array(
    Type.Object({
      memberId: Type.String(),
      memberName: OrNull(Type.String()),
      offerId: Type.String(),
      amount: Money,
      currency: Type.String(),
    }),
    { description: 'The commissions the decision computed; a test order pays none of them' },
  ),
  events: Type.Array(
    Type.Object({
      id: Type.String(),
      receivedAt: Type.String(),
      source: Type.String(),
      outcome: Type.String(),
      reason: OrNull(Type.String()),
    }),
  ),
});
export type TrackingCheckOrder = Static<typeof TrackingCheckOrderSchema>;

export const TrackingCheckSchema = Type.Object({
  orders: Type.Array(TrackingCheckOrderSchema, { description: 'Test orders, newest first' }),
  rejected: Type.Array(
    Type.Object({
      id: Type.String(),
      receivedAt: Type.String(),
      source: Type.String(),
      orderId: OrNull(Type.String()),
      reason: OrNull(Type.String()),
    }),
    { description: 'Test events refused before they became an order (bad amount, no order id…), newest first' },
  ),
});
export type TrackingCheck = Static<typeof TrackingCheckSchema>;
