// The kinds of email Touchpoint sends and the states of one in the outbox: stored (db/emails.ts) and documented by the
// API (contract/emails.ts), so listed once here.
export const EMAIL_KINDS = ['member_links', 'magic_link', 'code_rotated', 'user_invite'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

/** The same list as the emails table's status column (db/schema.ts). */
export const EMAIL_STATUSES = ['queued', 'sending', 'sent', 'failed', 'bounced'] as const;
