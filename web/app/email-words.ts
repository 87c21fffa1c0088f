// What happened to an email, in words a marketer understands. The mail server's own reply is kept beside the sentence
// (never replaced by it), since "550 5.1.1 user unknown" is what a mail administrator will ask for.
// Pure: no DOM, unit-tested on Node (test/web/email-words.test.ts).

import type { EMAIL_STATUSES } from '../../src/core/email-kinds.js';

export type EmailStatus = (typeof EMAIL_STATUSES)[number];

export const EMAIL_STATUS_WORDS: Record<EmailStatus, string> = {
  queued: 'Waiting to send',
  sending: 'Sending',
  sent: 'Sent',
  failed: 'Failed',
  bounced: 'Bounced',
};

/**
 * An email's status in words. Without SMTP_URL the server writes each email to its local outbox folder and marks it
 * sent; nobody received it, so it does not say "Sent".
 */
export function emailStatusWords(e: { status: EmailStatus; deliveredVia: string | null }): string {
  return e.status === 'sent' && e.deliveredVia === 'outbox'
    ? 'Saved to outbox (no SMTP configured)'
    : EMAIL_STATUS_WORDS[e.status];
}

export const EMAIL_KIND_WORDS: Record<string, string> = {
  member_links: 'Links and codes',
  magic_link: 'Portal sign-in link',
  code_rotated: 'New promo code',
  user_invite: 'Team invitation',
};

export function emailKindWords(kind: string): string {
  return EMAIL_KIND_WORDS[kind] ?? kind.replace(/_/g, ' ');
}

export interface EmailProblem {
  /** One sentence saying what went wrong and what happens next. */
  summary: string;
  /** The server's reply or the error, as recorded; null when there was none. */
  reply: string | null;
}

/** The SMTP reply code in a recorded error such as "RCPT TO: 550 5.1.1 <a@b>: user unknown". */
function replyCode(error: string): number | null {
  const m = /(?:^|:\s)([2-5]\d\d)[\s-]/.exec(error);
  return m ? Number(m[1]) : null;
}

function cause(error: string): string {
  if (/expired before it could be delivered/i.test(error))
    return 'The link in it expired before it could be delivered, so it was not sent';
  if (/outbox/i.test(error)) return 'Touchpoint could not write the message to its local outbox folder';
  if (/sender stopped/i.test(error)) return 'The server stopped while sending it';
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|ESOCKET|ECONNECTION|timed? ?out|connect/i.test(error)) {
    return 'The mail server could not be reached';
  }
  if (/certificate|TLS|SSL/i.test(error)) return 'A secure connection to the mail server could not be made';
  if (/EAUTH|authenticat|535/i.test(error)) return 'The mail server did not accept Touchpoint’s login (check SMTP_URL)';
  const code = replyCode(error);
  if (code !== null && code >= 400 && code < 500) return 'The mail server asked to try again later';
  if (code !== null && code >= 500) return 'The mail server refused the message';
  return 'Sending failed';
}

/** Null when there is nothing to explain (sent, or waiting for its first attempt). */
export function emailProblem(e: {
  status: EmailStatus;
  lastError: string | null;
  attempts: number;
}): EmailProblem | null {
  const reply = e.lastError?.trim() || null;
  if (e.status === 'bounced') {
    return {
      summary: 'The recipient’s mail server refused this address. Check the email address, then send it again.',
      reply,
    };
  }
  if (!reply) return e.status === 'failed' ? { summary: 'Sending failed and was given up.', reply: null } : null;
  if (e.status === 'sent') return null;
  const why = cause(reply);
  if (e.status === 'failed') {
    const expired = /expired before it could be delivered/i.test(reply);
    return {
      summary: expired
        ? `${why}.`
        : `${why}. Touchpoint gave up after ${e.attempts} attempt${e.attempts === 1 ? '' : 's'}.`,
      reply,
    };
  }
  // queued or sending: an earlier attempt failed and another is coming.
  return { summary: `${why}. Touchpoint will try again.`, reply };
}
