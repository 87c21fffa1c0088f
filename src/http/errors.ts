// The one table of error codes -> HTTP status, and the one error body shape.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Problem, ProblemDetail, Result } from '../core/result.js';
import { databaseUnavailable } from '../db/dialect/index.js';

/** What a 503 asks the client to wait before trying again, in seconds. */
export const RETRY_AFTER_SECONDS = 5;

const STATUS: Record<string, number> = {
  validation_failed: 400,
  body_invalid: 400,
  import_invalid: 400,
  import_too_large: 413,
  file_invalid: 400,
  file_too_large: 413,
  format_unsupported: 400,
  unsupported_media_type: 415,
  deep_link_not_allowed: 400,
  code_generation_failed: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  csrf_failed: 403,
  forbidden_role: 403,
  password_change_required: 403,
  last_owner: 409,
  link_invalid: 400,
  origin_not_allowed: 403,
  bad_signature: 401,
  signature_malformed: 401,
  signature_expired: 401,
  signature_mismatch: 401,
  unsigned_parameters: 400,
  // Stripe sends an event again on any non-2xx answer and documents 400 for one that does not verify.
  stripe_signature_invalid: 400,
  stripe_not_connected: 400,
  payload_invalid: 422,
  not_found: 404,
  route_not_found: 404,
  order_not_found: 404,
  slug_taken: 409,
  code_taken: 409,
  email_taken: 409,
  external_id_taken: 409,
  member_has_activity: 409,
  member_not_on_offer: 409,
  offer_archived: 409,
  offer_status_conflict: 409,
  default_required: 409,
  commission_final: 409,
  conversion_not_held: 409,
  nothing_to_pay: 409,
  payout_email_missing: 409,
  payout_email_unsafe: 409,
  email_not_retryable: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
  // What the framework and the HTTP parser refuse before any route runs.
  bad_request: 400,
  payload_too_large: 413,
  request_timeout: 408,
  headers_too_large: 431,
  deep_link_quota: 409,
};

export function statusOf(code: string): number {
  return STATUS[code] ?? 400;
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  const status = statusOf(problem.code);
  if (status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply.code(status).type('application/json').send({ error: problem });
}

/** Replies with the value (at `status`) or the problem; routes stay one line. */
export function sendResult<T>(reply: FastifyReply, result: Result<T>, status = 200): FastifyReply {
  return result.ok ? reply.code(status).send(result.value) : sendProblem(reply, result.problem);
}

function fieldPath(context: string | undefined, instancePath: string, params: Record<string, unknown>): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (typeof params.missingProperty === 'string') parts.push(params.missingProperty);
  if (typeof params.additionalProperty === 'string') parts.push(params.additionalProperty);
  const where = parts.join('.');
  return context && context !== 'body' ? `${context}${where ? '.' + where : ''}` : where;
}

export function errorHandler(
  this: unknown,
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error.validation) {
    const details: ProblemDetail[] = error.validation.map((v) => ({
      path: fieldPath(error.validationContext, v.instancePath, v.params as Record<string, unknown>),
      code: v.keyword,
      message: v.keyword === 'additionalProperties' ? 'Unknown field.' : (v.message ?? 'Invalid value.'),
    }));
    return sendProblem(reply, { code: 'validation_failed', message: 'Some fields are not valid.', details });
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return sendProblem(reply, { code: 'unsupported_media_type', message: error.message });
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return sendProblem(reply, { code: 'payload_too_large', message: 'The request body is too large.' });
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    // Fastify's own 4xx: a body it cannot read (malformed JSON, a wrong length) or a request it cannot route (bad URL encoding).
    if (error.statusCode === 415) return sendProblem(reply, { code: 'unsupported_media_type', message: error.message });
    if (error.statusCode === 413) return sendProblem(reply, { code: 'payload_too_large', message: error.message });
    if (error.statusCode === 404) return sendProblem(reply, { code: 'route_not_found', message: error.message });
    return sendProblem(reply, {
      code: error.code?.startsWith('FST_ERR_CTP_') ? 'body_invalid' : 'bad_request',
      message: error.message,
    });
  }
  if (databaseUnavailable(error)) {
    request.log.warn({ err: error.message }, 'database unavailable');
    return sendProblem(reply, {
      code: 'unavailable',
      message: 'The database cannot be reached right now; try again in a few seconds.',
    });
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, { code: 'internal', message: 'Something went wrong on our side; it has been logged.' });
}

/**
 * What the HTTP parser refuses (a malformed request line or Content-Length, headers too large, a request not received in
 * time) never reaches Fastify's error handler: it is answered on the socket, in the same shape, and the socket closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const problem =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? { code: 'request_timeout', message: 'The request was not received in time.' }
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? { code: 'headers_too_large', message: 'The request headers are too large.' }
        : { code: 'bad_request', message: 'The request could not be read as HTTP.' };
  const status = statusOf(problem.code);
  const body = JSON.stringify({ error: problem });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
