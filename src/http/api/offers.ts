import { exportRoster, importRoster } from '../../app/code-roster.js';
import type { AppContext } from '../../app/context.js';
import { addMembersToOffer, listOfferMembers, removeMemberFromOffer } from '../../app/offer-members.js';
import { changeOfferStatus, createOffer, getOffer, listOffers, updateOffer } from '../../app/offers.js';
import { addPayoutOption, archivePayoutOption, updatePayoutOption } from '../../app/payout-options.js';
import { CONTENT_TYPES, formatFromContentType } from '../../app/tabular.js';
import { sendProblem, sendResult } from '../errors.js';
import * as c from '../../contract/index.js';
import { acceptAnyBody, fileBody, fileBuffer, type Api } from './types.js';

const OfferId = c.IdParam(c.ids.offer);
const OfferRef = c.RefTo(c.OfferSchema);
const PayoutOptionRef = c.RefTo(c.PayoutOptionSchema);
const tags = ['offers'];

export function offerRoutes(app: Api, ctx: AppContext): void {
  app.post(
    '/offers',
    {
      schema: {
        tags,
        summary: 'Create an offer with its payout options',
        body: c.OfferCreateSchema,
        response: { 201: OfferRef, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await createOffer(ctx, req.actor, req.body as never), 201),
  );

  app.get(
    '/offers',
    {
      schema: {
        tags,
        summary: 'List offers, newest first',
        querystring: c.OfferListQuerySchema,
        response: { 200: c.PageSchema(OfferRef), ...c.errorResponses },
      },
    },
    async (req) => listOffers(ctx, req.actor, req.query),
  );

  app.get(
    '/offers/:id',
    {
      schema: { tags, summary: 'Read an offer', params: OfferId, response: { 200: OfferRef, ...c.errorResponses } },
    },
    async (req, reply) => sendResult(reply, await getOffer(ctx, req.actor, req.params.id)),
  );

  app.patch(
    '/offers/:id',
    {
      schema: {
        tags,
        summary: 'Edit an offer (payout changes apply to later conversions; history is kept)',
        params: OfferId,
        body: c.OfferUpdateSchema,
        response: { 200: OfferRef, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await updateOffer(ctx, req.actor, req.params.id, req.body as never)),
  );

  for (const action of ['pause', 'resume', 'archive'] as const) {
    app.post(
      `/offers/:id/${action}`,
      {
        schema: {
          tags,
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} an offer${action === 'archive' ? ' (never deleted; links keep redirecting)' : ''}`,
          params: OfferId,
          response: { 200: OfferRef, ...c.errorResponses },
        },
      },
      async (req, reply) => sendResult(reply, await changeOfferStatus(ctx, req.actor, req.params.id, action)),
    );
  }

  app.post(
    '/offers/:id/payout-options',
    {
      schema: {
        tags,
        summary: 'Add a payout option',
        params: OfferId,
        body: c.PayoutOptionInputSchema,
        response: { 201: PayoutOptionRef, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await addPayoutOption(ctx, req.actor, req.params.id, req.body), 201),
  );

  const PayoutParams = c.PayoutOptionParamsSchema;
  app.patch(
    '/offers/:id/payout-options/:payoutOptionId',
    {
      schema: {
        tags,
        summary: 'Edit a payout option (applies to conversions from now on)',
        params: PayoutParams,
        body: c.PayoutOptionUpdateSchema,
        response: { 200: PayoutOptionRef, ...c.errorResponses },
      },
    },
    async (req, reply) =>
      sendResult(reply, await updatePayoutOption(ctx, req.actor, req.params.id, req.params.payoutOptionId, req.body)),
  );

  app.delete(
    '/offers/:id/payout-options/:payoutOptionId',
    {
      schema: {
        tags,
        summary: "Archive a payout option; its members move to the offer's default",
        params: PayoutParams,
        response: { 200: c.PayoutOptionArchivedSchema, ...c.errorResponses },
      },
    },
    async (req, reply) =>
      sendResult(reply, await archivePayoutOption(ctx, req.actor, req.params.id, req.params.payoutOptionId)),
  );

  app.post(
    '/offers/:id/members',
    {
      schema: {
        tags,
        summary: 'Add members to the offer: payout option, optional deep link, links and/or personalized codes',
        params: OfferId,
        body: c.AddMembersSchema,
        response: { 200: c.AddMembersResultSchema, ...c.errorResponses },
      },
    },
    async (req, reply) =>
      sendResult(reply, await addMembersToOffer(ctx, req.actor, req.params.id, { generateLinks: true, ...req.body })),
  );

  app.get(
    '/offers/:id/members',
    {
      schema: {
        tags,
        summary:
          "The offer's members with their payout option, links (with clicks), codes and last-30-days numbers: searched, sorted and paged, with the total",
        params: OfferId,
        querystring: c.OfferMemberListQuerySchema,
        response: { 200: c.OfferMemberPageSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await listOfferMembers(ctx, req.actor, req.params.id, req.query)),
  );

  app.delete(
    '/offers/:id/members/:memberId',
    {
      schema: {
        tags,
        summary: 'Take a member off the offer (links keep redirecting untracked, codes stop crediting)',
        params: c.OfferMemberParamsSchema,
        response: { 200: c.OfferMemberRemovedSchema, ...c.errorResponses },
      },
    },
    async (req, reply) =>
      sendResult(reply, await removeMemberFromOffer(ctx, req.actor, req.params.id, req.params.memberId)),
  );

  app.get(
    '/offers/:id/code-roster',
    {
      schema: {
        tags: ['codes'],
        summary: "Export the offer's code roster (member, email, handles, current code, empty new_code column)",
        params: OfferId,
        querystring: c.CodeRosterQuerySchema,
        produces: [CONTENT_TYPES.csv, CONTENT_TYPES.xlsx],
        response: { 200: { type: 'string', format: 'binary', description: 'CSV or XLSX file' }, ...c.errorResponses },
      },
    },
    async (req, reply) => {
      const file = await exportRoster(ctx, req.actor, req.params.id, req.query.format);
      if (!file.ok) return sendProblem(reply, file.problem);
      return reply
        .type(CONTENT_TYPES[req.query.format])
        .header('content-disposition', `attachment; filename="code-roster-${req.params.id}.${req.query.format}"`)
        .send(file.value);
    },
  );

  app.post(
    '/offers/:id/code-roster',
    {
      schema: {
        tags: ['codes'],
        summary: 'Import the filled-in roster: assigns new_code to each member, all or nothing',
        params: OfferId,
        ...fileBody,
        response: { 200: c.RosterImportResultSchema, ...c.errorResponses },
      },
      validatorCompiler: acceptAnyBody,
    },
    async (req, reply) => {
      const format = formatFromContentType(req.headers['content-type']);
      const file = fileBuffer(req.body);
      if (!format || !file)
        return sendProblem(reply, { code: 'unsupported_media_type', message: 'Send the file as text/csv or XLSX.' });
      return sendResult(reply, await importRoster(ctx, req.actor, req.params.id, file, format));
    },
  );
}
