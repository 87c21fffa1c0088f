// Leak alerts (SPEC §5): a promo code redeemed far beyond its usual, or without clicks from its member.
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, ids, IdParam, Nullable, PageQuery } from './common.js';

export const AlertIdSchema = IdParam(
  Type.String({ pattern: '^alr_[0-9a-z]{26}$', description: 'Id starting with alr_' }),
);

const Status = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')], {
  description:
    'open: nobody acted yet; acknowledged: seen, comes back if the 24 h count doubles; resolved: the code was disabled or rotated, or an acknowledged spike subsided',
});
export type AlertStatus = Static<typeof Status>;
const DayCount = Type.Object({
  day: Type.String({ description: 'Local date (workspace time zone)' }),
  count: Type.Integer(),
});

const Evidence = Type.Object({
  series: Type.Array(DayCount, {
    description: "Redemptions per local day from the baseline's first day to today, oldest first",
  }),
  baselineFrom: Type.String(),
  baselineTo: Type.String(),
  baselineMedian: Type.Number({ description: 'Median daily redemptions over the 28-day baseline' }),
  last24h: Type.Integer({ description: 'Orders with the code in the last 24 h, credited to it or not' }),
  floor: Type.Number(),
  k: Type.Number(),
  ordersLast24h: Type.Integer(),
  noClickShare: Type.Optional(
    Type.Number({ description: "Share of the last 24 h's orders without a click from the code's member" }),
  ),
  topReferrers: Type.Optional(
    Type.Array(Type.Object({ host: Type.String(), count: Type.Integer() }), {
      description: "Referrer hosts of those orders' clicks",
    }),
  ),
});
export type AlertEvidence = Static<typeof Evidence>;

const Rule = Type.Union([Type.Literal('spike'), Type.Literal('no_click')], {
  description:
    'spike: 24 h redemptions above both the floor and k × the daily median; no_click: most orders without a click from the member',
});

const Finding = Type.Object(
  {
    alertId: Type.String({ description: 'The stored alert of this rule (its audit entries are kept under this id)' }),
    rule: Rule,
    status: Status,
    last24h: Type.Integer(),
    baselineMedian: Type.Number(),
    noClickShare: Nullable(Type.Number()),
    raisedAt: DateTime,
    lastSeenAt: Type.String({ format: 'date-time', description: 'The last detection run in which this rule fired' }),
    evidence: Type.Optional(Evidence),
  },
  { description: 'One rule that fired for the code, with its own numbers' },
);
export type AlertFinding = Static<typeof Finding>;

export const AlertSchema = Type.Object({
  id: Type.String(),
  codeId: Type.String(),
  code: Type.String(),
  offerId: Type.String(),
  memberId: Nullable(Type.String()),
  rule: Type.Union([Type.Literal('spike'), Type.Literal('no_click')], {
    description: 'The rule of this alert; `rules` lists every rule that fired for the code on the same card',
  }),
  status: Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')], {
    description: "The card's status: open while any of its rules is open",
  }),
  resolution: Type.Union([
    Type.Literal('code_disabled'),
    Type.Literal('code_rotated'),
    Type.Literal('subsided'),
    Type.Null(),
  ]),
  last24h: Type.Integer(),
  baselineMedian: Type.Number(),
  noClickShare: Nullable(Type.Number()),
  raisedAt: DateTime,
  lastSeenAt: Type.String({
    format: 'date-time',
    description: 'The last detection run whose rule fired for this code',
  }),
  acknowledgedAt: Nullable(DateTime),
  acknowledgedBy: Nullable(Type.String()),
  resolvedAt: Nullable(DateTime),
  resolvedBy: Nullable(Type.String()),
  newCodeId: Nullable(Type.String()),
  newCode: Type.Optional(Nullable(Type.String())),
  evidence: Type.Optional(Evidence),
  rules: Type.Array(Finding, {
    description:
      'Every rule that fired for the code, shown as one alert: the live alerts of the code, or those one action resolved together; evidence only on GET /alerts/{id}',
  }),
});
export type Alert = Static<typeof AlertSchema>;

export const AlertListQuerySchema = Type.Object({
  ...PageQuery,
  status: Type.Optional(Status),
  codeId: Type.Optional(ids.code),
  offerId: Type.Optional(ids.offer),
});

export const NoteBodySchema = Type.Object(
  {},
  { additionalProperties: false, description: 'No fields; an empty body is accepted.' },
);

export const RotateCodeSchema = Type.Object(
  { code: Type.Optional(Type.String({ maxLength: 64, description: 'The new code; generated when absent' })) },
  { additionalProperties: false },
);
export type RotateCode = Static<typeof RotateCodeSchema>;

export const LeakRunSchema = Type.Object({
  codesChecked: Type.Integer({ description: 'Codes with enough orders in the last 24 h to be judged' }),
  raised: Type.Integer({ description: 'Alerts raised, one per code and rule that fired' }),
  codesAlerted: Type.Integer({
    description: 'Codes whose alert was raised or reopened: the new alerts people see (one per code)',
  }),
  refreshed: Type.Integer(),
  reopened: Type.Integer(),
  subsided: Type.Integer(),
});
export type LeakRun = Static<typeof LeakRunSchema>;
