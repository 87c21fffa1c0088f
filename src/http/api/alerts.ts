import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Actor, AppContext } from '../../app/context.js';
import { acknowledgeAlert, disableAlertCode, getAlert, listAlerts, rotateAlertCode, runLeakDetection, type AlertView } from '../../app/leak-alerts.js';
import type { Result } from '../../core/result.js';
import { sendResult } from '../errors.js';
import * as s from '../schemas.js';
import type { Api } from './types.js';

const tags = ['alerts'];
const AlertId = s.IdParam(Type.String({ pattern: '^alr_[0-9a-z]{26}$', description: 'Id starting with alr_' }));
/** A type array rather than anyOf with null, as in schemas.ts (Ajv's coercion picks the first anyOf branch). */
const Nullable = <T extends TSchema & { type: string }>(t: T) => Type.Unsafe<T['static'] | null>({ ...(JSON.parse(JSON.stringify(t)) as object), type: [t.type, 'null'] });
const DateTime = Type.String({ format: 'date-time' });
const Status = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')], {
  description: 'open: nobody acted yet; acknowledged: seen, comes back if the 24 h count doubles; resolved: the code was disabled or rotated, or an acknowledged spike subsided',
});
const DayCount = Type.Object({ day: Type.String({ description: 'Local date (workspace time zone)' }), count: Type.Integer() });

const Evidence = Type.Object({
  series: Type.Array(DayCount, { description: 'Redemptions per local day from the baseline\'s first day to today, oldest first' }),
  baselineFrom: Type.String(),
  baselineTo: Type.String(),
  baselineMedian: Type.Number({ description: 'Median daily redemptions over the 28-day baseline' }),
  last24h: Type.Integer({ description: 'Orders with the code in the last 24 h, credited to it or not' }),
  floor: Type.Number(),
  k: Type.Number(),
  ordersLast24h: Type.Integer(),
  noClickShare: Type.Optional(Type.Number({ description: 'Share of the last 24 h\'s orders without a click from the code\'s member' })),
  topReferrers: Type.Optional(Type.Array(Type.Object({ host: Type.String(), count: Type.Integer() }), { description: 'Referrer hosts of those orders\' clicks' })),
});

const Alert = Type.Object({
  id: Type.String(),
  codeId: Type.String(),
  code: Type.String(),
  offerId: Type.String(),
  memberId: Nullable(Type.String()),
  rule: Type.Union([Type.Literal('spike'), Type.Literal('no_click')], {
    description: 'spike: 24 h redemptions above both the floor and k × the daily median; no_click: most orders without a click from the member',
  }),
  status: Status,
  resolution: Type.Union([Type.Literal('code_disabled'), Type.Literal('code_rotated'), Type.Literal('subsided'), Type.Null()]),
  last24h: Type.Integer(),
  baselineMedian: Type.Number(),
  noClickShare: Nullable(Type.Number()),
  raisedAt: DateTime,
  lastSeenAt: Type.String({ format: 'date-time', description: 'The last detection run whose rule fired for this code' }),
  acknowledgedAt: Nullable(DateTime),
  acknowledgedBy: Nullable(Type.String()),
  resolvedAt: Nullable(DateTime),
  resolvedBy: Nullable(Type.String()),
  newCodeId: Nullable(Type.String()),
  newCode: Type.Optional(Nullable(Type.String())),
  evidence: Type.Optional(Evidence),
});

const NoteBody = Type.Object({}, { additionalProperties: false, description: 'No fields; an empty body is accepted.' });

export function alertRoutes(app: Api, ctx: AppContext): void {
  // The action routes take an optional JSON body: none at all is read as {}.
  const emptyBody = async (req: { body: unknown }) => {
    req.body ??= {};
  };

  app.get('/alerts', {
    schema: {
      tags, summary: 'List leak alerts, newest first',
      querystring: Type.Object({
        ...s.PageQuery,
        status: Type.Optional(Status),
        codeId: Type.Optional(s.ids.code),
        offerId: Type.Optional(s.ids.offer),
      }),
      response: { 200: s.Page(Alert), ...s.errorResponses },
    },
  }, async (req) => listAlerts(ctx, req.actor, req.query));

  app.get('/alerts/:id', {
    schema: { tags, summary: 'Read a leak alert with its evidence', params: AlertId, response: { 200: Alert, ...s.errorResponses } },
  }, async (req, reply) => sendResult(reply, await getAlert(ctx, req.actor, req.params.id)));

  /** An action on one alert: optional JSON body, the alert back (with its evidence) on success. */
  const action = <B extends TSchema>(
    name: string,
    summary: string,
    body: B,
    act: (actor: Actor, id: string, body: Static<B>) => Promise<Result<AlertView>>,
  ) =>
    app.post(`/alerts/:id/${name}`, {
      preValidation: emptyBody,
      schema: { tags, summary, params: AlertId, body, response: { 200: Alert, ...s.errorResponses } },
    }, async (req, reply) => sendResult(reply, await act(req.actor, (req.params as { id: string }).id, req.body as Static<B>)));

  action('acknowledge', 'Acknowledge a leak alert: seen, no action; it comes back only if the code\'s 24 h count doubles',
    NoteBody, (actor, id) => acknowledgeAlert(ctx, actor, id));
  action('disable-code', 'Disable the alert\'s code (later orders with it are kept with reason code_disabled, no commission) and resolve its alerts',
    NoteBody, (actor, id) => disableAlertCode(ctx, actor, id));
  action('rotate-code', 'Give the member a new code in the old one\'s style (or the one given), disable the old one, resolve its alerts and email the member',
    Type.Object({ code: Type.Optional(Type.String({ maxLength: 64, description: 'The new code; generated when absent' })) }, { additionalProperties: false }),
    (actor, id, body) => rotateAlertCode(ctx, actor, id, body));

  app.post('/alerts/run', {
    preValidation: emptyBody,
    schema: {
      tags, summary: 'Run leak detection for this workspace now (it also runs every 5 minutes)',
      body: NoteBody,
      response: {
        200: Type.Object({
          codesChecked: Type.Integer({ description: 'Codes with enough orders in the last 24 h to be judged' }),
          raised: Type.Integer(), refreshed: Type.Integer(), reopened: Type.Integer(), subsided: Type.Integer(),
        }),
        ...s.errorResponses,
      },
    },
  }, async (req) => {
    const { workspaces: _, ...counts } = await runLeakDetection(ctx, { workspaceId: req.actor.workspaceId });
    return counts;
  });
}
