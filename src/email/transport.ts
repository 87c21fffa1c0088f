// How an email leaves: over SMTP (nodemailer) when SMTP_URL is set, otherwise into the local outbox, an .eml file per
// message under DATA_DIR/outbox, so the embedded default works without a mail server.
import fs from 'node:fs';
import path from 'node:path';
import nodemailer, { type NodemailerError, type SendMailOptions } from 'nodemailer';
import type { Config } from '../config.js';

export interface OutgoingEmail {
  /** eml_…: names the outbox file and makes the Message-ID, which stays the same on every retry. */
  id: string;
  to: string;
  /** Display name of the sender; the address is MAIL_FROM's. */
  fromName: string;
  subject: string;
  text: string;
  html: string;
}

export type SendOutcome =
  | { ok: true; messageId: string; via: 'smtp' | 'outbox'; note: string }
  /** permanent: sending the same message again would get the same answer; bounced: the recipient was refused. */
  | { ok: false; permanent: boolean; bounced: boolean; error: string };

export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  send(email: OutgoingEmail): Promise<SendOutcome>;
  close(): void;
}

export function parseAddress(from: string): { name: string; address: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  return m ? { name: m[1]!.trim(), address: m[2]!.trim() } : { name: '', address: from.trim() };
}

function messageOptions(email: OutgoingEmail, mailFrom: string): SendMailOptions {
  const from = parseAddress(mailFrom);
  const domain = from.address.split('@')[1] || 'localhost';
  return {
    from: { name: email.fromName || from.name, address: from.address },
    to: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId: `<${email.id}@${domain}>`,
    // Lets a bounce that comes back later by mail be matched to the send log.
    headers: { 'X-Touchpoint-Email': email.id },
  };
}

/**
 * What an SMTP failure means for the next attempt. RFC 5321: a 5xx reply is permanent (503, a bad sequence of commands,
 * is about the session, not the message); 4xx and failures with no reply (connection refused, timeouts, TLS) are
 * temporary. A permanent refusal of the recipient (at RCPT TO) is a bounce.
 */
export function classifySmtpError(err: Partial<NodemailerError> & { message?: string }): {
  permanent: boolean;
  bounced: boolean;
  error: string;
} {
  const rejected = err.rejectedErrors?.[0];
  const code = err.responseCode ?? rejected?.responseCode;
  const command = err.command ?? rejected?.command;
  const reply = (err.response ?? rejected?.response)?.trim();
  const permanent = code !== undefined && code >= 500 && code < 600 && code !== 503;
  const bounced = permanent && (command === 'RCPT TO' || err.code === 'EENVELOPE');
  const cause =
    err.code && err.code !== 'EENVELOPE' && err.code !== 'EPROTOCOL' && err.code !== 'EMESSAGE'
      ? ` (${err.originalCode ?? err.code})`
      : '';
  const error = reply ? `${command ? command + ': ' : ''}${reply}` : `${err.message ?? 'SMTP error'}${cause}`;
  return { permanent, bounced, error: error.slice(0, 2000) };
}

export function smtpTransport(smtpUrl: string, mailFrom: string): MailTransport {
  // The URL's own query parameters (e.g. ?maxConnections=10&requireTLS=true) override these defaults.
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 3,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
  return {
    kind: 'smtp',
    async send(email) {
      try {
        const info = await transporter.sendMail(messageOptions(email, mailFrom));
        return { ok: true, messageId: info.messageId, via: 'smtp', note: (info.response ?? '').slice(0, 2000) };
      } catch (e) {
        return { ok: false, ...classifySmtpError(e as NodemailerError) };
      }
    },
    close: () => transporter.close(),
  };
}

export function outboxDir(dataDir: string): string {
  return path.join(dataDir, 'outbox');
}

/** Renders the same RFC 5322 message SMTP would carry and writes it to DATA_DIR/outbox/<id>.eml. */
export function outboxTransport(dataDir: string, mailFrom: string): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const dir = outboxDir(dataDir);
  return {
    kind: 'outbox',
    async send(email) {
      try {
        const info = await composer.sendMail(messageOptions(email, mailFrom));
        await fs.promises.mkdir(dir, { recursive: true });
        const file = path.join(dir, `${email.id}.eml`);
        // Written whole or not at all: a reader (or a retry after a crash) never sees half a message.
        const tmp = `${file}.${process.pid}.tmp`;
        await fs.promises.writeFile(tmp, info.message as Buffer, { mode: 0o600 });
        await fs.promises.rename(tmp, file);
        return {
          ok: true,
          messageId: info.messageId,
          via: 'outbox',
          note: `SMTP_URL is not set: written to the local outbox, ${file}`,
        };
      } catch (e) {
        return {
          ok: false,
          permanent: false,
          bounced: false,
          error: `Could not write to the outbox: ${(e as Error).message}`,
        };
      }
    },
    close() {},
  };
}

export function createMailTransport(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'dataDir'>): MailTransport {
  return config.smtpUrl
    ? smtpTransport(config.smtpUrl, config.mailFrom)
    : outboxTransport(config.dataDir, config.mailFrom);
}
