import type { AppContext } from '../../app/context.js';
import { createLink, disableLink, getLink, listLinks } from '../../app/links.js';
import { sendResult } from '../errors.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const LinkId = c.IdParam(c.ids.link);
const tags = ['links'];

export function linkRoutes(app: Api, ctx: AppContext): void {
  app.post(
    '/links',
    {
      schema: {
        tags,
        summary:
          "Create a tracking link: a member's (optionally a deep link) or the offer's generic link; random or vanity slug",
        body: c.LinkCreateSchema,
        response: { 201: c.RefTo(c.LinkSchema), ...c.errorResponses },
      },
    },
    async (req, reply) =>
      sendResult(
        reply,
        await createLink(ctx, req.actor, {
          ...req.body,
          slug: req.body.slug,
          deepLinkUrl: req.body.deepLinkUrl ?? null,
        }),
        201,
      ),
  );

  app.get(
    '/links',
    {
      schema: {
        tags,
        summary: 'List links with their click counts, newest first',
        querystring: c.LinkListQuerySchema,
        response: { 200: c.PageSchema(c.RefTo(c.LinkSchema)), ...c.errorResponses },
      },
    },
    async (req) => listLinks(ctx, req.actor, req.query),
  );

  app.get(
    '/links/:id',
    {
      schema: {
        tags,
        summary: 'Read a link with its click counts',
        params: LinkId,
        response: { 200: c.RefTo(c.LinkSchema), ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await getLink(ctx, req.actor, req.params.id)),
  );

  app.post(
    '/links/:id/disable',
    {
      schema: {
        tags,
        summary: 'Disable a link (it keeps redirecting, untracked)',
        params: LinkId,
        response: { 200: c.RefTo(c.LinkSchema), ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await disableLink(ctx, req.actor, req.params.id)),
  );
}
