import type { AppContext } from '../../app/context.js';
import { setupChecklist, trackingCheck } from '../../app/setup.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const tags = ['setup'];

export function setupRoutes(app: Api, ctx: AppContext): void {
  app.get(
    '/setup-checklist',
    {
      schema: {
        tags,
        summary:
          'The four setup steps in order (an offer, a creator on it, a click on their link, a conversion), each done when the server has stored its evidence',
        response: { 200: c.SetupChecklistSchema, ...c.errorResponses },
      },
    },
    async (req) => setupChecklist(ctx, req.actor),
  );

  app.get(
    '/tracking-check',
    {
      schema: {
        tags,
        summary:
          'Test orders (test=1), newest first: what was matched, which rule decided, what would have been paid; and refused test events',
        querystring: c.TrackingCheckQuerySchema,
        response: { 200: c.TrackingCheckSchema, ...c.errorResponses },
      },
    },
    async (req) => trackingCheck(ctx, req.actor, req.query.limit),
  );
}
