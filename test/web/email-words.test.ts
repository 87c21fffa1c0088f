// The Emails page's sentences for what happened to an email: each outcome the dispatcher records
// (src/app/emails.ts, src/email/transport.ts) gets words, and the server's reply is always kept beside them.
import { describe, expect, it } from 'vitest';
import { emailKindWords, emailProblem, emailStatusWords } from '../../web/app/email-words.js';

describe('email problems in words', () => {
  it('says a bounce is about the address, and keeps the server reply', () => {
    const reply = 'RCPT TO: 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown';
    expect(emailProblem({ status: 'bounced', lastError: reply, attempts: 1 })).toEqual({
      summary: expect.stringContaining('refused this address'),
      reply,
    });
  });

  it('tells a refusal, a temporary failure, an unreachable server and a broken outbox apart', () => {
    expect(
      emailProblem({ status: 'failed', lastError: 'DATA: 554 5.7.1 Message rejected as spam', attempts: 1 })!.summary,
    ).toBe('The mail server refused the message. Touchpoint gave up after 1 attempt.');
    expect(
      emailProblem({ status: 'queued', lastError: 'RCPT TO: 451 4.7.1 Greylisted, try again later', attempts: 2 })!
        .summary,
    ).toBe('The mail server asked to try again later. Touchpoint will try again.');
    expect(
      emailProblem({ status: 'queued', lastError: 'connect ECONNREFUSED 127.0.0.1:2525 (ECONNREFUSED)', attempts: 1 })!
        .summary,
    ).toBe('The mail server could not be reached. Touchpoint will try again.');
    expect(
      emailProblem({ status: 'failed', lastError: 'Greeting never received (ETIMEDOUT)', attempts: 8 })!.summary,
    ).toBe('The mail server could not be reached. Touchpoint gave up after 8 attempts.');
    expect(
      emailProblem({
        status: 'queued',
        lastError: 'Could not write to the outbox: EACCES: permission denied',
        attempts: 1,
      })!.summary,
    ).toContain('local outbox folder');
  });

  it('explains an expired link without counting attempts, and stays quiet when there is nothing wrong', () => {
    const expired = 'Not sent: the link in it expired before it could be delivered.';
    expect(emailProblem({ status: 'failed', lastError: expired, attempts: 3 })).toEqual({
      summary: 'The link in it expired before it could be delivered, so it was not sent.',
      reply: expired,
    });
    expect(emailProblem({ status: 'sent', lastError: null, attempts: 1 })).toBeNull();
    expect(emailProblem({ status: 'queued', lastError: null, attempts: 0 })).toBeNull();
    expect(emailProblem({ status: 'failed', lastError: null, attempts: 8 })!.summary).toContain('given up');
  });

  it('names the kinds of email, and a kind it does not know in plain letters', () => {
    expect(emailKindWords('member_links')).toBe('Links and codes');
    expect(emailKindWords('magic_link')).toBe('Portal sign-in link');
    expect(emailKindWords('payout_notice')).toBe('payout notice');
  });
});

describe('an email status in words', () => {
  it('does not call an email written only to the local outbox sent', () => {
    expect(emailStatusWords({ status: 'sent', deliveredVia: 'outbox' })).toBe('Saved to outbox (no SMTP configured)');
    expect(emailStatusWords({ status: 'sent', deliveredVia: 'smtp' })).toBe('Sent');
    expect(emailStatusWords({ status: 'failed', deliveredVia: null })).toBe('Failed');
  });
});
