// Emails as their recipients get them: the queue sent the way `touchpoint serve` sends it without SMTP_URL (into
// DATA_DIR/outbox), and the .eml files read back. Sign-in and setup links exist only there, never in the database.
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { AppContext } from '../../src/app/context.js';
import { dispatchEmails } from '../../src/app/emails.js';
import { createMailTransport } from '../../src/email/transport.js';

/** Sends every due email into `dataDir`/outbox. */
export async function sendToOutbox(ctx: AppContext, dataDir: string): Promise<void> {
  const transport = createMailTransport({ smtpUrl: null, mailFrom: 'Partners <partners@acme.test>', dataDir });
  try {
    for (;;) {
      const r = await dispatchEmails(ctx, transport, { batch: 100 });
      if (r.sent + r.retrying + r.failed === 0) return;
    }
  } finally {
    transport.close();
  }
}

/** The plain-text body of a sent email, as delivered. */
export async function deliveredText(dataDir: string, emailId: string): Promise<string> {
  const mail = await simpleParser(fs.readFileSync(path.join(dataDir, 'outbox', `${emailId}.eml`)));
  return mail.text ?? '';
}
