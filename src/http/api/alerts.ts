import type { Static, TSchema } from '@sinclair/typebox';
import type { Actor, AppContext } from '../../app/context.js';
import {
  acknowledgeAlert,
  disableAlertCode,
  getAlert,
  listAlerts,
  rotateAlertCode,
  runLeakDetection,
  type AlertView,
} from '../../app/leak-alerts.js';
import type { Result } from '../../core/result.js';
import { sendResult } from '../errors.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const tags = ['alerts'];
const AlertId = c.AlertIdSchema;
const Alert = c.AlertSchema;
const NoteBody = c.NoteBodySchema;

export function alertRoutes(app: Api, ctx: AppContext): void {
  // The action routes take an optional JSON body: none at all is read as {}.
  const emptyBody = async (req: { body: unknown }) => {
    req.body ??= {};
  };

  app.get(
    '/alerts',
    {
      schema: {
        tags,
        summary: 'List leak alerts, newest first',
        querystring: c.AlertListQuerySchema,
        response: { 200: c.PageSchema(Alert), ...c.errorResponses },
      },
    },
    async (req) => listAlerts(ctx, req.actor, req.query),
  );

  app.get(
    '/alerts/:id',
    {
      schema: {
        tags,
        summary: 'Read a leak alert with its evidence',
        params: AlertId,
        response: { 200: Alert, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await getAlert(ctx, req.actor, req.params.id)),
  );

  /** An action on one alert: optional JSON body, the alert back (with its evidence) on success. */
  const action = <B extends TSchema>(
    name: string,
    summary: string,
    body: B,
    act: (actor: Actor, id: string, body: Static<B>) => Promise<Result<AlertView>>,
  ) =>
    app.post(
      `/alerts/:id/${name}`,
      {
        preValidation: emptyBody,
        schema: { tags, summary, params: AlertId, body, response: { 200: Alert, ...c.errorResponses } },
      },
      async (req, reply) =>
        sendResult(reply, await act(req.actor, (req.params as { id: string }).id, req.body as Static<B>)),
    );

  action(
    'acknowledge',
    "Acknowledge a leak alert: seen, no action; it comes back only if the code's 24 h count doubles",
    NoteBody,
    (actor, id) => acknowledgeAlert(ctx, actor, id),
  );
  action(
    'disable-code',
    "Disable the alert's code (later orders with it are kept with reason code_disabled, no commission) and resolve its alerts",
    NoteBody,
    (actor, id) => disableAlertCode(ctx, actor, id),
  );
  action(
    'rotate-code',
    "Give the member a new code in the old one's style (or the one given), disable the old one, resolve its alerts and email the member",
    c.RotateCodeSchema,
    (actor, id, body) => rotateAlertCode(ctx, actor, id, body),
  );

  app.post(
    '/alerts/run',
    {
      preValidation: emptyBody,
      schema: {
        tags,
        summary: 'Run leak detection for this workspace now (it also runs every 5 minutes)',
        body: NoteBody,
        response: {
          200: c.LeakRunSchema,
          ...c.errorResponses,
        },
      },
    },
    async (req) => {
      const { workspaces: _, ...counts } = await runLeakDetection(ctx, { workspaceId: req.actor.workspaceId });
      return counts;
    },
  );
}
