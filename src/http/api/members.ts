import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { createMember, deleteMember, getMember, importMembers, listMembers, updateMember } from '../../app/members.js';
import { formatFromContentType } from '../../app/tabular.js';
import { sendProblem, sendResult } from '../errors.js';
import * as s from '../schemas.js';
import { acceptAnyBody, fileBody, fileBuffer, type Api } from './types.js';

const MemberId = s.IdParam(s.ids.member);
const tags = ['members'];

export function memberRoutes(app: Api, ctx: AppContext): void {
  app.post('/members', {
    schema: { tags, summary: 'Create a member (creator)', body: s.MemberCreate, response: { 201: Type.Ref('Member'), ...s.errorResponses } },
  }, async (req, reply) => sendResult(reply, await createMember(ctx, req.actor, req.body), 201));

  app.get('/members', {
    schema: {
      tags, summary: 'List members, newest first; search and filter',
      querystring: Type.Object({
        ...s.PageQuery,
        q: Type.Optional(Type.String({ maxLength: 200, description: 'Matches name, email or a social handle (case-insensitive).' })),
        tag: Type.Optional(Type.String({ maxLength: 100 })),
        project: Type.Optional(Type.String({ maxLength: 200 })),
      }),
      response: { 200: s.Page(Type.Ref('Member')), ...s.errorResponses },
    },
  }, async (req) => listMembers(ctx, req.actor, req.query));

  app.get('/members/:id', {
    schema: { tags, summary: 'Read a member', params: MemberId, response: { 200: Type.Ref('Member'), ...s.errorResponses } },
  }, async (req, reply) => sendResult(reply, await getMember(ctx, req.actor, req.params.id)));

  app.patch('/members/:id', {
    schema: { tags, summary: 'Edit a member', params: MemberId, body: s.MemberUpdate, response: { 200: Type.Ref('Member'), ...s.errorResponses } },
  }, async (req, reply) => sendResult(reply, await updateMember(ctx, req.actor, req.params.id, req.body)));

  app.delete('/members/:id', {
    schema: {
      tags, summary: 'Delete a member who has no tracked activity (with their links and codes)',
      params: MemberId, response: { 200: Type.Object({ deleted: Type.Boolean() }), ...s.errorResponses },
    },
  }, async (req, reply) => sendResult(reply, await deleteMember(ctx, req.actor, req.params.id)));

  app.post('/members/import', {
    schema: {
      tags, summary: 'Import members from CSV or XLSX (name, email, instagram, tiktok, youtube, reach, project, tags, external_id); all or nothing',
      ...fileBody, response: { 200: s.ImportResult, ...s.errorResponses },
    },
    validatorCompiler: acceptAnyBody,
  }, async (req, reply) => {
    const format = formatFromContentType(req.headers['content-type']);
    const file = fileBuffer(req.body);
    if (!format || !file) return sendProblem(reply, { code: 'unsupported_media_type', message: 'Send the file as text/csv or XLSX.' });
    return sendResult(reply, await importMembers(ctx, req.actor, file, format));
  });
}
