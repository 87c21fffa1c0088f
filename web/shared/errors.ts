// API errors in words a marketer understands. The API's own messages are already written for people; the codes
// below get a better sentence where the generic one would confuse (a lost session, a missing feature, the network).
// Pure: no DOM, so it is unit-tested on Node (test/web/errors.test.ts).

import type { Problem } from '../../src/contract/index.js';

/** One entry of an error's details (a field path, or an imported file's line), as the API's Problem body has it. */
export type ProblemDetail = NonNullable<Problem['error']['details']>[number];

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ProblemDetail[] = [],
  ) {
    super(message);
  }
}

const FRIENDLY: Record<string, string> = {
  network: 'Touchpoint could not be reached. Check your connection and try again.',
  unauthorized: 'Your session has ended. Please sign in again.',
  invalid_credentials: 'That email and password do not match. Check them and try again.',
  csrf_failed: 'This page is out of date. Reload it and try again.',
  password_change_required: 'Choose a new password before you continue.',
  csrf_invalid: 'This page is out of date. Reload it and try again.',
  validation_failed: 'Some fields need your attention.',
  body_invalid: 'Some fields need your attention.',
  not_found: 'We could not find that. It may have been removed, or the link is wrong.',
  route_not_found: 'This feature is not available on this server yet.',
  file_too_large: 'The file is too big. Split it into smaller files (at most 50,000 rows each).',
  unsupported_media_type: 'Upload a CSV file or an Excel workbook (.xlsx).',
  email_taken: 'Another member already uses this email address.',
  external_id_taken: 'Another member already has this external id.',
  code_taken: 'That promo code is already in use. Pick another one.',
  slug_taken: 'That link name is already taken. Pick another one.',
  offer_archived: 'This offer is archived. Resume it before making changes.',
  member_has_activity: 'This member has clicks or sales, so they cannot be deleted.',
  internal: 'Something went wrong on our side. Please try again; if it keeps happening, tell your administrator.',
  unavailable: 'Touchpoint is busy or cannot reach its database. Try again in a minute.',
};

/** Codes whose API message says something specific that the generic sentence would lose. */
const KEEP_SERVER_MESSAGE = new Set([
  'import_invalid',
  'file_invalid',
  'rate_limited',
  'link_invalid',
  'offer_status_conflict',
  'default_required',
  'deep_link_not_allowed',
  'code_generation_failed',
  'last_owner',
  'member_not_on_offer',
  'forbidden_role',
]);

export function friendlyMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (KEEP_SERVER_MESSAGE.has(e.code) && e.message) return e.message;
    if (FRIENDLY[e.code]) return FRIENDLY[e.code]!;
    if (e.status >= 500) return FRIENDLY.internal!;
    return e.message || 'That did not work. Please try again.';
  }
  return 'Something went wrong in this page. Reload it and try again.';
}

/** JSON-schema keywords (the API's request validation) and what they mean to a person. */
const DETAIL_TEXT: Record<string, string> = {
  required: 'This is required.',
  minLength: 'This is required.',
  maxLength: 'This is too long.',
  pattern: 'This does not look right.',
  format: 'This does not look right.',
  type: 'This does not look right.',
  minimum: 'This number is too small.',
  maximum: 'This number is too big.',
  minItems: 'Add at least one.',
  maxItems: 'There are too many.',
  additionalProperties: 'This field is not expected.',
};

export function detailMessage(d: ProblemDetail): string {
  return (d.code && DETAIL_TEXT[d.code]) || d.message;
}

/** Field path ("payoutOptions.0.value") -> message, for showing each error next to its field. */
export function fieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(e instanceof ApiError)) return out;
  for (const d of e.details) if (d.path && !(d.path in out)) out[d.path] = detailMessage(d);
  return out;
}

/** Import problems grouped by the line of the file they concern (the header is line 1). */
export function lineErrors(e: unknown): Map<number, ProblemDetail[]> {
  const out = new Map<number, ProblemDetail[]>();
  if (!(e instanceof ApiError)) return out;
  for (const d of e.details) {
    if (d.line === undefined) continue;
    out.set(d.line, [...(out.get(d.line) ?? []), d]);
  }
  return out;
}
