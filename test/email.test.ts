import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../src/app/context.js';
import {
  dispatchEmails,
  MAX_ATTEMPTS,
  queueCodeRotatedEmail,
  queueMagicLinkEmail,
  queueUserInviteEmail,
} from '../src/app/emails.js';
import { loadConfig } from '../src/config.js';
import { openPostgres } from '../src/db/dialect/index.js';
import { findWorkspace } from '../src/db/workspaces.js';
import { createMailTransport, type MailTransport } from '../src/email/transport.js';
import { deliveredText } from './helpers/outbox.js';
import { freePort } from './helpers/server.js';
import { DIALECTS, PG_URL } from './helpers/stores.js';
import { samplePercentOffer, startTestApp, type TestApp } from './helpers/app.js';

interface Received {
  from: string;
  to: string[];
  raw: string;
  mail: ParsedMail;
}

/**
 * A real SMTP server on loopback. `rcpt` may refuse a recipient (given how many times it was offered before);
 * `data` may refuse the message after it was sent.
 */
async function smtpSink(
  opts: {
    rcpt?: (address: string, seen: number) => [number, string] | null;
    data?: (mail: ParsedMail) => [number, string] | null;
  } = {},
) {
  const received: Received[] = [];
  const offered = new Map<string, number>();
  const refuse = ([code, message]: [number, string]) => Object.assign(new Error(message), { responseCode: code });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 100,
    onRcptTo(address, _session, cb) {
      const seen = offered.get(address.address) ?? 0;
      offered.set(address.address, seen + 1);
      const answer = opts.rcpt?.(address.address, seen);
      cb(answer ? refuse(answer) : undefined);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then((mail) => {
          const answer = opts.data?.(mail);
          if (answer) return cb(refuse(answer));
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: raw.toString(),
            mail,
          });
          cb();
        }, cb);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(DIALECTS)('email on %s', (kind) => {
  let t: TestApp;
  let now = Date.UTC(2026, 3, 14, 9);
  const transports: MailTransport[] = [];
  /** The transport `touchpoint serve` would build from this environment. */
  const transportFor = (env: Record<string, string>) => {
    const tr = createMailTransport(loadConfig({ BASE_URL: 'http://tp.test', DATA_DIR: t.db.dataDir, ...env }));
    transports.push(tr);
    return tr;
  };
  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
  });
  afterAll(async () => {
    for (const tr of transports) tr.close();
    await t.close();
  });

  async function offerWithMember(member: { name: string; email?: string }) {
    const offer = (await t.api('POST', '/offers', samplePercentOffer)).data;
    const m = (await t.api('POST', '/members', member)).data;
    const added = (
      await t.api('POST', `/offers/${offer.id}/members`, {
        members: [{ memberId: m.id }],
        generateLinks: true,
        generateCodes: true,
        codePattern: 'TP{RAND6}',
      })
    ).data;
    return {
      offer,
      member: m,
      slug: added.members[0].links[0].slug as string,
      code: added.members[0].codes[0].code as string,
    };
  }

  async function emailOf(memberId: string) {
    const list = (await t.api('GET', `/emails?memberId=${memberId}`)).data.data;
    expect(list).toHaveLength(1);
    return (await t.api('GET', `/emails/${list[0].id}`)).data;
  }

  it('sends a member their link and code over SMTP, with the name escaped in HTML', async () => {
    const sink = await smtpSink();
    try {
      const { offer, member, slug, code } = await offerWithMember({
        name: '<script>alert("x")</script> Dee',
        email: 'dee@creators.test',
      });
      const noEmail = (await t.api('POST', '/members', { name: 'No Mail' })).data;
      await t.api('POST', `/offers/${offer.id}/members`, {
        members: [{ memberId: noEmail.id }],
        generateLinks: true,
        generateCodes: false,
      });
      const bare = (await t.api('POST', '/members', { name: 'Bare', email: 'bare@creators.test' })).data;
      await t.api('POST', `/offers/${offer.id}/members`, {
        members: [{ memberId: bare.id }],
        generateLinks: false,
        generateCodes: false,
      });

      const res = await t.api('POST', `/offers/${offer.id}/members/email`, { message: 'Launch is Monday!' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.data.queued).toEqual([
        { emailId: expect.stringMatching(/^eml_/), memberId: member.id, to: 'dee@creators.test' },
      ]);
      expect(res.data.skipped).toEqual(
        expect.arrayContaining([
          { memberId: noEmail.id, reason: 'no_email', message: expect.any(String) },
          { memberId: bare.id, reason: 'nothing_to_send', message: expect.any(String) },
        ]),
      );
      expect((await emailOf(member.id)).status).toBe('queued');

      const transport = transportFor({ SMTP_URL: sink.url, MAIL_FROM: 'Partners <partners@acme.test>' });
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 1, retrying: 0, failed: 0 });
      expect(sink.received).toHaveLength(1);
      const [got] = sink.received;
      expect(got!.to).toEqual(['dee@creators.test']);
      expect(got!.from).toBe('partners@acme.test');
      const mail = got!.mail;
      expect(mail.from!.value).toEqual([{ name: 'Acme', address: 'partners@acme.test' }]);
      expect(mail.subject).toBe('Your Spring sale links and codes from Acme');
      expect(mail.text).toContain(`http://tp.test/${slug}`);
      expect(mail.text).toContain(code);
      expect(mail.text).toContain('Launch is Monday!');
      expect(mail.html).toContain(`href="http://tp.test/${slug}"`);
      expect(mail.html).toContain(code);
      expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Dee');
      expect(mail.html).not.toContain('<script>');

      const sent = await emailOf(member.id);
      expect(sent).toMatchObject({
        status: 'sent',
        attempts: 1,
        deliveredVia: 'smtp',
        lastError: null,
        messageId: mail.messageId,
        kind: 'member_links',
        offerId: offer.id,
      });
      expect(sent.note).toMatch(/^250/);
      expect(sent.html).toContain('&lt;script&gt;');
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 0, retrying: 0, failed: 0 });
      expect(sink.received).toHaveLength(1);
    } finally {
      await sink.close();
    }
  });

  it("shows a permanent rejection at once with the server's reply, and sends it again on request", async () => {
    let refuse = true;
    const sink = await smtpSink({
      rcpt: (address) =>
        refuse && address === 'gone@creators.test' ? [550, '5.1.1 <gone@creators.test>: mailbox unavailable'] : null,
      data: (mail) => (mail.subject?.includes('Summer') ? [554, '5.7.1 Message rejected as spam'] : null),
    });
    try {
      const { offer, member } = await offerWithMember({ name: 'Gone', email: 'gone@creators.test' });
      await t.api('POST', `/offers/${offer.id}/members/email`, {});
      const transport = transportFor({ SMTP_URL: sink.url });
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 0, retrying: 0, failed: 1 });
      const bounced = await emailOf(member.id);
      expect(bounced).toMatchObject({ status: 'bounced', attempts: 1, deliveredVia: null });
      expect(bounced.lastError).toContain('550');
      expect(bounced.lastError).toContain('mailbox unavailable');
      expect((await t.api('GET', '/emails?status=bounced')).data.data.map((e: any) => e.id)).toContain(bounced.id);

      now += 3_600_000;
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 0, retrying: 0, failed: 0 }); // given up, not retried
      refuse = false;
      const retried = await t.api('POST', `/emails/${bounced.id}/retry`);
      expect(retried.data).toMatchObject({ status: 'queued', attempts: 0 });
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 1, retrying: 0, failed: 0 });
      expect((await t.api('GET', `/emails/${bounced.id}`)).data).toMatchObject({ status: 'sent', lastError: null });
      const again = await t.api('POST', `/emails/${bounced.id}/retry`);
      expect(again.statusCode).toBe(409);
      expect(again.data.error.code).toBe('email_not_retryable');

      // Refused after the message was sent (DATA): a failure of the message, not of the address.
      const summer = (await t.api('POST', '/offers', { ...samplePercentOffer, name: 'Summer' })).data;
      await t.api('POST', `/offers/${summer.id}/members`, {
        members: [{ memberId: member.id }],
        generateLinks: true,
        generateCodes: false,
      });
      await t.api('POST', `/offers/${summer.id}/members/email`, {});
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 0, retrying: 0, failed: 1 });
      const [spam] = (await t.api('GET', `/emails?offerId=${summer.id}`)).data.data;
      expect(spam).toMatchObject({ status: 'failed', attempts: 1 });
      expect(spam.lastError).toContain('554 5.7.1 Message rejected as spam');
    } finally {
      await sink.close();
    }
  });

  it('sends an invitation again with a new setup link and revokes the one the refused message carried', async () => {
    const refused: string[] = [];
    let refuse = true;
    const sink = await smtpSink({
      data: (mail) => {
        if (!refuse || !mail.subject?.includes('Set up your')) return null;
        refused.push(mail.text ?? '');
        return [554, '5.7.1 Message rejected'];
      },
    });
    const SETUP_RE = /http:\/\/tp\.test\/app\/setup\?token=([A-Za-z0-9_-]{43})/;
    try {
      // A workspace of its own, so its invitation is the only one in its send log.
      const ws = await t.newWorkspace('Invites');
      const api = (method: string, p: string) => t.api(method, p, undefined, ws.apiKey);
      const created = await t.api(
        'POST',
        '/users',
        { email: 'rita@acme.test', name: 'Rita', role: 'manager' },
        ws.apiKey,
      );
      expect(created.statusCode).toBe(201);
      const [invite] = (await api('GET', '/emails?kind=user_invite')).data.data;
      const transport = transportFor({ SMTP_URL: sink.url });
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 0, retrying: 0, failed: 1 });
      const first = SETUP_RE.exec(refused[0]!)![1]!;
      // The refused message carried a working link of its own, not the one shown to the owner.
      expect(first).not.toBe(new URL(created.data.setupUrl).searchParams.get('token'));
      expect((await api('GET', `/auth/setup?token=${first}`)).statusCode).toBe(200);

      refuse = false;
      expect((await api('POST', `/emails/${invite.id}/retry`)).statusCode).toBe(200);
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 1, retrying: 0, failed: 0 });
      const delivered = sink.received.filter((r) => r.to.includes('rita@acme.test'));
      expect(delivered).toHaveLength(1);
      const second = SETUP_RE.exec(delivered[0]!.mail.text!)![1]!;
      expect(second).not.toBe(first);
      expect((await api('GET', `/auth/setup?token=${first}`)).data.error.code).toBe('link_invalid');
      expect((await api('GET', `/auth/setup?token=${second}`)).data).toMatchObject({ email: 'rita@acme.test' });
      // What the API shows of the email has neither link.
      const shown = (await api('GET', `/emails/${invite.id}`)).body;
      expect(shown).toContain('/app/setup?token=[redacted]');
      for (const token of [first, second]) expect(shown).not.toContain(token);
    } finally {
      await sink.close();
    }
  });

  it('retries a temporary refusal with backoff and delivers the email once', async () => {
    const sink = await smtpSink({
      rcpt: (address, seen) => (address === 'busy@creators.test' && seen === 0 ? [451, '4.3.2 Try again later'] : null),
    });
    try {
      const { offer, member, code } = await offerWithMember({ name: 'Busy', email: 'busy@creators.test' });
      await t.api('POST', `/offers/${offer.id}/members/email`, { memberIds: [member.id] });
      const transport = transportFor({ SMTP_URL: sink.url });
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 0, retrying: 1, failed: 0 });
      const waiting = await emailOf(member.id);
      expect(waiting).toMatchObject({
        status: 'queued',
        attempts: 1,
        nextAttemptAt: new Date(now + 30_000).toISOString(),
      });
      expect(waiting.lastError).toContain('451 4.3.2 Try again later');
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 0, retrying: 0, failed: 0 }); // not due yet
      now += 30_000;
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 1, retrying: 0, failed: 0 });
      const delivered = sink.received.filter((r) => r.to.includes('busy@creators.test'));
      expect(delivered).toHaveLength(1);
      expect(delivered[0]!.mail.text).toContain(code);
      expect(await emailOf(member.id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    } finally {
      await sink.close();
    }
  });

  it('retries while the mail server is unreachable and gives up after the last attempt, showing why', async () => {
    const { offer, member } = await offerWithMember({ name: 'Far', email: 'far@creators.test' });
    await t.api('POST', `/offers/${offer.id}/members/email`, { memberIds: [member.id] });
    const transport = transportFor({ SMTP_URL: `smtp://127.0.0.1:${await freePort()}` });
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 0, retrying: 1, failed: 0 });
      now += 12 * 3_600_000;
    }
    expect(await dispatchEmails(t.built.ctx, transport)).toEqual({ sent: 0, retrying: 0, failed: 1 });
    const failed = await emailOf(member.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect(failed.lastError).toContain('ECONNREFUSED');
  });

  it('without SMTP_URL writes an .eml file under the data directory and marks the email sent to the outbox', async () => {
    const { offer, member, slug, code } = await offerWithMember({ name: 'Local', email: 'local@creators.test' });
    await t.api('POST', `/offers/${offer.id}/members/email`, { memberIds: [member.id] });
    expect(await dispatchEmails(t.built.ctx, transportFor({}))).toEqual({ sent: 1, retrying: 0, failed: 0 });
    const sent = await emailOf(member.id);
    const file = path.join(t.db.dataDir, 'outbox', `${sent.id}.eml`);
    expect(sent).toMatchObject({ status: 'sent', deliveredVia: 'outbox' });
    expect(sent.note).toContain(file);
    const raw = fs.readFileSync(file);
    expect(raw.toString()).toContain('\r\n'); // RFC 5322 line ends
    const mail = await simpleParser(raw);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]!.address : null).toBe('local@creators.test');
    expect(mail.from!.value[0]).toEqual({ name: 'Acme', address: 'touchpoint@tp.test' });
    expect(mail.subject).toBe(sent.subject);
    expect(mail.messageId).toBe(sent.messageId);
    expect(mail.text).toContain(`http://tp.test/${slug}`);
    expect(mail.text).toContain(code);
  });

  it('tells emails a mail server took apart from ones only saved to the outbox (the "Sent" filter)', async () => {
    // The two tests above left one email delivered over SMTP and one written to the outbox.
    const ids = async (q: string) =>
      ((await t.api('GET', `/emails?${q}`)).data.data as { id: string; deliveredVia: string }[]).map(
        (e) => e.deliveredVia,
      );
    const smtp = await ids('status=sent&deliveredVia=smtp');
    const outbox = await ids('status=sent&deliveredVia=outbox');
    expect(smtp.length).toBeGreaterThan(0);
    expect(outbox.length).toBeGreaterThan(0);
    expect(new Set(smtp)).toEqual(new Set(['smtp']));
    expect(new Set(outbox)).toEqual(new Set(['outbox']));
    expect((await ids('status=sent')).length).toBe(smtp.length + outbox.length);
    const bad = await t.api('GET', '/emails?deliveredVia=pigeon');
    expect(bad.statusCode).toBe(400);
    expect(bad.data.error.code).toBe('validation_failed');
  });

  it("queues account and code emails in the caller's transaction: a rolled-back change sends nothing", async () => {
    const { db } = t.built.ctx.store;
    const ws = (await findWorkspace(db, t.workspaceId))!;
    const { offer, member } = await offerWithMember({ name: 'Portal', email: 'portal@creators.test' });
    const url = 'http://tp.test';
    await expect(
      db.transaction().execute(async (tx) => {
        await queueMagicLinkEmail(tx, ws, member, url, now);
        throw new Error('token insert failed');
      }),
    ).rejects.toThrow('token insert failed');
    expect((await t.api('GET', `/emails?memberId=${member.id}`)).data.data).toEqual([]);

    const ids = await db
      .transaction()
      .execute(async (tx) => [
        await queueMagicLinkEmail(tx, ws, member, url, now),
        await queueCodeRotatedEmail(tx, ws, member, offer, 'OLD123', 'NEW456', now),
        await queueUserInviteEmail(
          tx,
          ws,
          { id: 'usr_01kaxk7w9v3f4e8h2m6n5p0qrs', name: 'Sam', email: 'sam@acme.test' },
          url,
          now,
          { role: 'manager' },
        ),
        await queueCodeRotatedEmail(tx, ws, { id: member.id, name: 'x', email: null }, offer, 'A', 'B', now),
      ]);
    expect(ids.slice(0, 3)).toEqual([
      expect.stringMatching(/^eml_/),
      expect.stringMatching(/^eml_/),
      expect.stringMatching(/^eml_/),
    ]);
    expect(ids[3]).toBeNull();
    const kinds = async (q: string) => (await t.api('GET', `/emails?${q}`)).data.data.map((e: any) => e.kind).sort();
    expect(await kinds(`memberId=${member.id}`)).toEqual(['code_rotated', 'magic_link']);
    expect(await kinds('kind=user_invite')).toEqual(['user_invite']);
    const rotated = (await t.api('GET', `/emails/${ids[1]}`)).data;
    expect(rotated.text).toContain('OLD123');
    expect(rotated.text).toContain('NEW456');

    // The app's notifier (leak alerts call it after rotating a code) queues the same email.
    await t.built.ctx.notify!.codeRotated!({
      workspaceId: t.workspaceId,
      memberId: member.id,
      offerId: offer.id,
      oldCode: 'LEAKED1',
      newCode: 'FRESH22',
    });
    const notified = (await t.api('GET', `/emails?kind=code_rotated&memberId=${member.id}`)).data.data;
    expect(notified.map((e: any) => e.subject)).toEqual([
      `Your ${offer.name} promo code has changed`,
      `Your ${offer.name} promo code has changed`,
    ]);
    expect((await t.api('GET', `/emails/${notified[0].id}`)).data.text).toContain(
      'LEAKED1 for Spring sale no longer works',
    );

    // A sign-in link that could not go out within its 15 minutes is not sent at all; an invitation for a user who no
    // longer exists neither.
    now += 16 * 60_000;
    const result = await dispatchEmails(t.built.ctx, transportFor({}));
    expect(result.failed).toBe(2);
    const magic = (await t.api('GET', `/emails/${ids[0]}`)).data;
    expect(magic).toMatchObject({ status: 'failed', kind: 'magic_link', expiresAt: expect.any(String) });
    expect(magic.lastError).toMatch(/expired/);
    expect(fs.existsSync(path.join(t.db.dataDir, 'outbox', `${ids[0]}.eml`))).toBe(false);
    expect((await t.api('GET', `/emails/${ids[2]}`)).data).toMatchObject({
      status: 'failed',
      lastError: 'Not sent: the person it was for no longer exists.',
    });
    expect((await t.api('GET', `/emails/${ids[1]}`)).data.status).toBe('sent');

    // Sent again, it carries a new link that works for 15 minutes from then.
    const again = await t.api('POST', `/emails/${ids[0]}/retry`);
    expect(again.statusCode).toBe(200);
    expect(again.data).toMatchObject({ status: 'queued', expiresAt: new Date(now + 15 * 60_000).toISOString() });
    expect((await dispatchEmails(t.built.ctx, transportFor({}))).sent).toBe(1);
    const link = /http:\/\/tp\.test(\/p\/auth\?token=[A-Za-z0-9_-]{43})/.exec(
      await deliveredText(t.db.dataDir, ids[0]!),
    )![1]!;
    expect((await t.built.app.inject({ url: link })).headers.location).toBe('/p');
  });

  it('answers clear errors, and never shows one workspace the emails of another', async () => {
    const { offer, member } = await offerWithMember({ name: 'Own', email: 'own@creators.test' });
    const other = await t.newWorkspace('Other');
    const queued = (
      await t.api('POST', `/offers/${offer.id}/members/email`, {
        memberIds: [member.id, 'mem_01kaxk7w9v3f4e8h2m6n5p0qrs'],
      })
    ).data;
    expect(queued.skipped).toEqual([
      { memberId: 'mem_01kaxk7w9v3f4e8h2m6n5p0qrs', reason: 'not_on_offer', message: expect.any(String) },
    ]);
    const id = queued.queued[0].emailId;
    expect((await t.api('GET', `/emails/${id}`, undefined, other.apiKey)).statusCode).toBe(404);
    expect((await t.api('POST', `/emails/${id}/retry`, undefined, other.apiKey)).statusCode).toBe(404);
    expect((await t.api('GET', '/emails', undefined, other.apiKey)).data.data).toEqual([]);
    expect((await t.api('POST', `/offers/${offer.id}/members/email`, {}, other.apiKey)).statusCode).toBe(404);
    expect((await t.api('POST', `/offers/${offer.id}/members/email`, { memberIds: [] })).statusCode).toBe(400);
    expect((await t.api('GET', '/emails?status=lost')).statusCode).toBe(400);
    await t.api('POST', `/offers/${offer.id}/archive`);
    const archived = await t.api('POST', `/offers/${offer.id}/members/email`, {});
    expect(archived.statusCode).toBe(409);
    expect(archived.data.error.code).toBe('offer_archived');
    // Paging: newest first, with a cursor.
    const page1 = (await t.api('GET', '/emails?limit=2')).data;
    expect(page1.data).toHaveLength(2);
    const page2 = (await t.api('GET', `/emails?limit=2&cursor=${page1.nextCursor}`)).data;
    expect(page2.data[0].id < page1.data[1].id).toBe(true);
  });
});

describe.runIf(PG_URL)('email dispatchers on two instances of one PostgreSQL database', () => {
  let t: TestApp;
  const now = Date.UTC(2026, 3, 14, 9);
  beforeAll(async () => {
    t = await startTestApp('postgres', {}, () => now);
  });
  afterAll(() => t.close());

  it('send each email exactly once', async () => {
    const sink = await smtpSink();
    const second = openPostgres(t.db.url, 5);
    const instances: { ctx: AppContext; transport: MailTransport }[] = [
      t.built.ctx,
      { ...t.built.ctx, store: second },
    ].map((ctx) => ({
      ctx,
      transport: createMailTransport({ smtpUrl: sink.url, mailFrom: 'partners@acme.test', dataDir: t.db.dataDir }),
    }));
    try {
      const { db } = t.built.ctx.store;
      const ws = (await findWorkspace(db, t.workspaceId))!;
      const members: { id: string; name: string; email: string }[] = [];
      for (let i = 0; i < 40; i++)
        members.push((await t.api('POST', '/members', { name: `M${i}`, email: `m${i}@creators.test` })).data);
      await db.transaction().execute(async (tx) => {
        for (const m of members) await queueMagicLinkEmail(tx, ws, m, 'http://tp.test', now);
      });
      const drain = async ({ ctx, transport }: (typeof instances)[number]) => {
        let sent = 0;
        for (;;) {
          const r = await dispatchEmails(ctx, transport, { batch: 7 });
          sent += r.sent;
          if (r.sent + r.retrying + r.failed === 0) {
            const left = await ctx.store.db
              .selectFrom('emails')
              .select('id')
              .where('status', 'in', ['queued', 'sending'])
              .execute();
            if (!left.length) return sent;
          }
        }
      };
      const sentBy = await Promise.all(instances.map(drain));
      expect(sentBy[0]! + sentBy[1]!).toBe(40);
      expect(sink.received).toHaveLength(40);
      expect(new Set(sink.received.map((r) => r.mail.messageId)).size).toBe(40);
      expect(new Set(sink.received.map((r) => r.to[0])).size).toBe(40);
      const rows = await db.selectFrom('emails').select(['status', 'attempts']).execute();
      expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    } finally {
      for (const i of instances) i.transport.close();
      await second.close();
      await sink.close();
    }
  });
});

describe('email configuration', () => {
  it('reads SMTP_URL and MAIL_FROM, and never echoes the SMTP password in an error', () => {
    const base = { BASE_URL: 'https://go.acme.test', DATA_DIR: '/tmp/tp' };
    expect(loadConfig(base)).toMatchObject({ smtpUrl: null, mailFrom: 'Touchpoint <touchpoint@go.acme.test>' });
    expect(
      loadConfig({ ...base, SMTP_URL: 'smtps://u:p@mail.acme.test:465', MAIL_FROM: 'partners@acme.test' }),
    ).toMatchObject({
      smtpUrl: 'smtps://u:p@mail.acme.test:465',
      mailFrom: 'partners@acme.test',
    });
    expect(() => loadConfig({ ...base, SMTP_URL: 'http://u:s3cret@mail.acme.test' })).toThrow(
      /SMTP_URL must look like/,
    );
    expect(() => loadConfig({ ...base, SMTP_URL: 'http://u:s3cret@mail.acme.test' })).not.toThrow(/s3cret/);
    expect(() => loadConfig({ ...base, MAIL_FROM: 'not an address' })).toThrow(/MAIL_FROM/);
  });
});
