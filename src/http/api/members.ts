import { listMemberOffers } from '../../app/offer-members.js';
import type { AppContext } from '../../app/context.js';
import { createMember, deleteMember, getMember, importMembers, listMembers, updateMember } from '../../app/members.js';
import { formatFromContentType } from '../../app/tabular.js';
import { sendProblem, sendResult } from '../errors.js';
import * as c from '../../contract/index.js';
import { acceptAnyBody, fileBody, fileBuffer, type Api } from './types.js';

const MemberId = c.IdParam(c.ids.member);
const tags = ['members'];

export function memberRoutes(app: Api, ctx: AppContext): void {
  app.post(
    '/members',
    {
      schema: {
        tags,
        summary: 'Create a member (creator)',
        body: c.MemberCreateSchema,
        response: { 201: c.RefTo(c.MemberSchema), ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await createMember(ctx, req.actor, req.body), 201),
  );

  app.get(
    '/members',
    {
      schema: {
        tags,
        summary: 'List members, newest first; search and filter',
        querystring: c.MemberListQuerySchema,
        response: { 200: c.PageSchema(c.RefTo(c.MemberSchema)), ...c.errorResponses },
      },
    },
    async (req) => listMembers(ctx, req.actor, req.query),
  );

  app.get(
    '/members/:id',
    {
      schema: {
        tags,
        summary: 'Read a member',
        params: MemberId,
        response: { 200: c.RefTo(c.MemberSchema), ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await getMember(ctx, req.actor, req.params.id)),
  );

  app.get(
    '/members/:id/offers',
    {
      schema: {
        tags,
        summary: 'The offers a member is on: payout option (in words), links with clicks, codes',
        params: MemberId,
        response: { 200: c.MemberOfferListSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await listMemberOffers(ctx, req.actor, req.params.id)),
  );

  app.patch(
    '/members/:id',
    {
      schema: {
        tags,
        summary: 'Edit a member',
        params: MemberId,
        body: c.MemberUpdateSchema,
        response: { 200: c.RefTo(c.MemberSchema), ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await updateMember(ctx, req.actor, req.params.id, req.body)),
  );

  app.delete(
    '/members/:id',
    {
      schema: {
        tags,
        summary: 'Delete a member who has no tracked activity (with their links and codes)',
        params: MemberId,
        response: { 200: c.MemberDeletedSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await deleteMember(ctx, req.actor, req.params.id)),
  );

  app.post(
    '/members/import',
    {
      schema: {
        tags,
        summary:
          'Import members from CSV or XLSX (name, email, instagram, tiktok, youtube, reach, project, tags, external_id); all or nothing',
        ...fileBody,
        response: { 200: c.ImportResultSchema, ...c.errorResponses },
      },
      validatorCompiler: acceptAnyBody,
    },
    async (req, reply) => {
      const format = formatFromContentType(req.headers['content-type']);
      const file = fileBuffer(req.body);
      if (!format || !file)
        return sendProblem(reply, { code: 'unsupported_media_type', message: 'Send the file as text/csv or XLSX.' });
      return sendResult(reply, await importMembers(ctx, req.actor, file, format));
    },
  );
}
