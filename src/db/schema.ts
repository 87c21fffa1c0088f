import type { Generated } from 'kysely';

// The Kysely Database interface: the one place for table types.
// Times are epoch milliseconds (integers) on both databases; flags are 0/1 integers; JSON is text.

export interface WorkspaceTable {
  id: string;
  name: string;
  /** Four base62 characters embedded in every click id, so a click id names its workspace without a lookup. */
  click_tag: string;
  timezone: string;
  currency: string;
  postback_secret: string;
  /** Key of the keyed hash applied to visitor IPs; never leaves the server. */
  ip_hash_key: string;
  created_at: number;
  /** Shopify's webhook signing secret, pasted by the brand; null until Shopify is connected. */
  shopify_webhook_secret: string | null;
  woocommerce_webhook_secret: string | null;
  /** Stripe's webhook signing secret (whsec_…), pasted by the brand; null until Stripe is connected. */
  stripe_webhook_secret: string | null;
  /** A member is paid once their approved commissions reach this amount (workspace currency); 0 = always. */
  min_payout_minor: number;
  /** The hold period (days) of an offer created without one; 0 to 365. The database's default (30) for a new one. */
  default_hold_days: Generated<number>;
  /** The zone the report rollups were built in; null until built. Rollups answer only reports in this zone. */
  rollup_timezone: string | null;
  /** Counts the rollup rebuilds: click rollup deltas held across one are dropped (the rebuild counted them). */
  rollup_generation: Generated<number>;
}

/** Click batches whose rollup deltas the SQLite click writer still holds (ADR 0006, "Folded click rollups"). */
export interface ClickRollupJournalTable {
  id: Generated<number>;
  from_rowid: number;
  to_rowid: number;
  /** JSON: each workspace of the batch whose rollups are built, with its rollup_generation then. */
  generations: string;
}

/**
 * Click batches' rollup deltas the PostgreSQL click writer has not folded yet (ADR 0006, "Folded click rollups"): per
 * batch and workspace, the rollup_clicks_sub rows it adds to.
 */
export interface ClickRollupDeltaTable {
  id: Generated<number>;
  workspace_id: string;
  /** The workspace's rollup_generation when the batch was written: a rebuild since counted these clicks. */
  generation: number;
  written_at: number;
  /** JSON: [day, link_id, sub_id, offer_id, member_id, clicks, unique_clicks] rows. */
  deltas: string;
}

export interface PayoutBatchTable {
  id: string;
  workspace_id: string;
  currency: string;
  total_minor: number;
  members: number;
  commissions: number;
  note: string;
  actor: string;
  created_at: number;
}

export interface FxRateTable {
  workspace_id: string;
  from_currency: string;
  to_currency: string;
  /** Decimal string: units of to_currency per one unit of from_currency. */
  rate: string;
  updated_at: number;
}

export interface WebhookDeliveryTable {
  workspace_id: string;
  provider: string;
  delivery_id: string;
  received_at: number;
}

export interface ApiKeyTable {
  id: string;
  workspace_id: string;
  name: string;
  /** First characters of the key, shown in lists so a key can be recognised without being stored. */
  prefix: string;
  key_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface OfferTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  image_url: string | null;
  status: 'active' | 'paused' | 'archived';
  destination_url: string;
  conversion_type: 'sale' | 'lead' | 'email_signup' | 'download';
  /** JSON array of 'link' | 'code'. */
  tracking_methods: string;
  attribution_rule: 'code_first' | 'click_first' | 'split';
  /** The code's share of a split order, in basis points. */
  split_code_share_bps: number;
  cookie_window_days: number;
  hold_days: number;
  ends_at: number | null;
  currency: string;
  /** JSON object: UTM parameter -> template ("{creator_name}" or a static value). */
  utm: string;
  /** JSON object: { allowCreators, extraDomains[] }. */
  deep_links: string;
  /** JSON object: { mode: 'none' | 'query' | 'shopify', param }. */
  code_append: string;
  created_at: number;
  updated_at: number;
  /** 1: a browser-reported code without a recorded click credits the code's member (SPEC §4; default 0: held). */
  browser_code_credit: number;
  /** A browser-reported amount above this (offer currency, minor units) is held for review; null: no limit. */
  browser_amount_limit_minor: number | null;
  /** First-party tracking origin on the brand's site (`https://shop.example.com/go`); null: links on BASE_URL. */
  tracking_origin: string | null;
  /** Commissions on a subscription's renewals (Stripe): none, the first recurring_months months, or lifetime. */
  recurring: 'none' | 'months' | 'lifetime';
  recurring_months: number | null;
  /** At most this many paid invoices of a subscription pay (the first order counts as one); null: no cap. */
  recurring_max_invoices: number | null;
}

export interface PayoutOptionTable {
  id: string;
  workspace_id: string;
  offer_id: string;
  title: string;
  type: 'percent' | 'fixed';
  /** Basis points for percent, minor units of the offer currency for fixed. */
  value: number;
  /** JSON array of { fromConversion, value } volume tiers per calendar month. */
  tiers: string;
  is_default: number;
  position: number;
  created_at: number;
  archived_at: number | null;
}

export interface MemberTable {
  id: string;
  workspace_id: string;
  name: string;
  email: string | null;
  instagram: string | null;
  tiktok: string | null;
  youtube: string | null;
  reach: number | null;
  project: string | null;
  /** JSON array of strings. */
  tags: string;
  external_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface OfferMemberTable {
  workspace_id: string;
  offer_id: string;
  member_id: string;
  payout_option_id: string;
  created_at: number;
}

export interface LinkTable {
  id: string;
  workspace_id: string;
  offer_id: string;
  member_id: string | null;
  slug: string;
  deep_link_url: string | null;
  status: 'active' | 'disabled';
  created_at: number;
  disabled_at: number | null;
}

export interface PromoCodeTable {
  id: string;
  workspace_id: string;
  offer_id: string;
  member_id: string | null;
  /** As shown to people. */
  code: string;
  /** Upper-cased; unique per workspace among active codes. */
  code_normalized: string;
  /** The Stripe promotion code (promo_…) that stands for this code at a Stripe Checkout; null: none. */
  stripe_promotion_code_id: string | null;
  status: 'active' | 'disabled';
  created_at: number;
  disabled_at: number | null;
}

export interface ClickTable {
  id: string;
  workspace_id: string;
  link_id: string;
  offer_id: string;
  member_id: string | null;
  created_at: number;
  /** 0 when the offer was paused/ended or the link disabled: redirected, never creditable. */
  tracked: number;
  ip_hash: string;
  ip_truncated: string;
  user_agent: string;
  referrer_host: string | null;
  country: string | null;
  device: string;
  is_bot: number;
  bot_reason: string | null;
  is_unique: number;
  sub1: string | null;
  sub2: string | null;
  sub3: string | null;
  sub4: string | null;
  sub5: string | null;
}

export interface AuditLogTable {
  id: string;
  workspace_id: string;
  actor: string;
  entity: string;
  entity_id: string;
  action: string;
  /** JSON: what changed (before/after where it applies). */
  detail: string;
  created_at: number;
}

export interface ConversionTable {
  id: string;
  workspace_id: string;
  order_id: string;
  /** 1 for a tracking check (test=1): decided and shown, never in payouts or totals. */
  is_test: number;
  /**
   * unverified: browser-only evidence that would credit a code without a click (or an implausible amount), held for
   * review; rejected: a person refused it; awaiting_order: a refund arrived before the order (ADR 0011).
   */
  status: ConversionStatus;
  occurred_at: number;
  reported_offer_id: string | null;
  click_id: string | null;
  /** Upper-cased, as codes compare. */
  code: string | null;
  amount_minor: number | null;
  currency: string | null;
  /** Every refund received, summed; capped at the sale where it is used. */
  refunded_minor: number;
  refunded_full: number;
  cancelled_at: number | null;
  /** A person's review of an order held for browser-only evidence. */
  review: 'approved' | 'rejected' | null;
  /** JSON: the attribution decision (credits, reasons) and the commissions it gave. */
  decision: string;
  created_at: number;
  updated_at: number;
}

export type ConversionStatus = 'credited' | 'unattributed' | 'unverified' | 'rejected' | 'awaiting_order';

export type ConversionSource =
  'pixel' | 'tag' | 'postback' | 'tune' | 'everflow' | 'shopify' | 'woocommerce' | 'stripe';

export interface ConversionEventTable {
  id: string;
  workspace_id: string;
  conversion_id: string | null;
  received_at: number;
  source: ConversionSource;
  order_id: string | null;
  is_test: number;
  /** created | filled_in | duplicate | rejected */
  outcome: string;
  /** Why an event was not credited (or what it changed); a closed set, see app/conversions. */
  reason: string | null;
  /** JSON: the normalized input and, for rejections, the problem. */
  detail: string;
  /** 'server' or 'browser' (SPEC §4): set on events that brought evidence. */
  trust: 'server' | 'browser' | null;
  /** JSON EvidenceRecord (core/order-evidence.ts): what this event said about the order. */
  evidence: string | null;
  /** The sender's id for the event (a Shopify refund id), unique per workspace. */
  event_key: string | null;
}

export interface CommissionTable {
  id: string;
  workspace_id: string;
  conversion_id: string;
  offer_id: string;
  member_id: string;
  payout_option_id: string;
  source: 'click' | 'code' | 'click+code';
  share_bps: number;
  /** The credited share of the sale, in the offer currency. */
  sale_minor: number;
  amount_minor: number;
  currency: string;
  /** Basis points (percent payouts) or minor units (fixed) actually applied, tier included. */
  rate_applied: number;
  tier_from: number | null;
  /** Calendar month of the conversion in the workspace's time zone, for volume tiers. */
  month_key: string;
  status: 'pending' | 'approved' | 'reversed' | 'paid';
  approve_after: number;
  approved_at: number | null;
  reversed_at: number | null;
  paid_at: number | null;
  payout_batch_id: string | null;
  created_at: number;
  updated_at: number;
  /** The commission on the whole sale under the current decision, before refunds (ADR 0011). */
  accrued_minor: number;
  /** The sum of people's adjustments. */
  adjusted_minor: number;
  admin_touched: number;
  /** 0 once a re-decision moved the credit away. */
  in_decision: number;
}

/**
 * Per (offer, member, month): how many of the member's commissions are not reversed, the volume-tier count (on
 * PostgreSQL plus its commission_month_deltas). Kept by triggers on commissions (migration 0031); read and, on
 * PostgreSQL, locked by the decision (db/conversions.ts takeMonthCount).
 */
export interface CommissionMonthCountTable {
  offer_id: string;
  member_id: string;
  month_key: string;
  workspace_id: string;
  counted: number;
}

/** PostgreSQL: changes of a volume-tier count not yet folded into its counter row (insert-only, by the triggers). */
export interface CommissionMonthDeltaTable {
  id: Generated<number>;
  offer_id: string;
  member_id: string;
  month_key: string;
  workspace_id: string;
  delta: number;
}

/** The ledger: one entry per change (ADR 0011). Rows from before the ledger have delta_minor null. */
export interface CommissionAdjustmentTable {
  id: string;
  workspace_id: string;
  commission_id: string;
  kind: string;
  amount_before: number;
  amount_after: number;
  status_before: string;
  status_after: string;
  reason: string;
  actor: string;
  created_at: number;
  delta_minor: number | null;
  /** JSON: what the entry was computed from (evidence events, rule, offer settings), when it matters. */
  detail: string | null;
}

export interface WebhookEndpointTable {
  id: string;
  workspace_id: string;
  url: string;
  /** Signs every message (X-Touchpoint-Signature); shown once. */
  secret: string;
  /** JSON array of event types. */
  events: string;
  active: number;
  created_at: number;
}

export interface WebhookMessageTable {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  event_type: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  /** A dispatcher's claim on the message; another instance takes it over after this time. */
  locked_until: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** One delivery attempt of a webhook message: the receiver's HTTP status, or null with the error (timeout, refused). */
export interface WebhookAttemptTable {
  message_id: string;
  attempt: number;
  workspace_id: string;
  attempted_at: number;
  status: number | null;
  error: string | null;
}

/** Tracked, non-bot clicks per local day (workspace zone) and link. */
export interface RollupClicksTable {
  workspace_id: string;
  day: string;
  link_id: string;
  offer_id: string;
  /** '' for a generic link. */
  member_id: string;
  clicks: number;
  unique_clicks: number;
}

/** Conversion credit lines per local day and dimensions; '' where a dimension does not apply. See core/report-facts.ts. */
export interface RollupConversionsTable {
  workspace_id: string;
  day: string;
  offer_id: string;
  member_id: string;
  link_id: string;
  code_id: string;
  /** The credited member's commission status, or 'none'. */
  status: string;
  orders: number;
  credits: number;
  unattributed: number;
  sales_minor: number;
  refunds_minor: number;
  commission_minor: number;
  coded_revenue_minor: number;
  link_revenue_minor: number;
  code_redemptions: number;
  unconverted: number;
}

/** The same sums per ISO week ("W" + Monday) and month ("M" + YYYY-MM) of the rollup zone (migration 0013). */
export type RollupClicksPeriodTable = Omit<RollupClicksTable, 'day'> & { period: string };
export type RollupConversionsPeriodTable = Omit<RollupConversionsTable, 'day'> & { period: string };
/** The period sums without link and code (migration 0014; conversions also without status, 0019). */
export type RollupClicksMemberPeriodTable = Omit<RollupClicksPeriodTable, 'link_id'>;
export type RollupConversionsMemberPeriodTable = Omit<RollupConversionsPeriodTable, 'link_id' | 'code_id' | 'status'>;
/** The day sums without member, link and code (migration 0017), for reports that neither group nor filter by them. */
export type RollupClicksOfferDayTable = Omit<RollupClicksTable, 'link_id' | 'member_id'>;
export type RollupConversionsOfferDayTable = Omit<RollupConversionsTable, 'member_id' | 'link_id' | 'code_id'>;
/** The period sums of conversions without link and status (migration 0018), for reports by code. */
export type RollupConversionsCodePeriodTable = Omit<RollupConversionsPeriodTable, 'link_id' | 'status'>;

/** Sub-id rollups (migration 0029): per link, how many sub-ids it admitted (core/click-rollups SUB_ID_CAP). */
export interface RollupSubIdLinksTable {
  workspace_id: string;
  link_id: string;
  admitted: number;
}
/** A sub-id a link admitted: it has rows of its own; the link's other values land in SUB_ID_OTHER. */
export interface RollupSubIdsTable {
  workspace_id: string;
  link_id: string;
  sub_id: string;
}
/** Clicks per local day, link and landed sub-id ('' none, SUB_ID_OTHER past the cap). */
export type RollupClicksSubTable = RollupClicksTable & { sub_id: string };
/** Credit lines per local day, offer, member, link, landed sub-id and status (no code). */
export type RollupConversionsSubTable = Omit<RollupConversionsTable, 'code_id'> & { sub_id: string };
/** The sub-id sums per ISO week and month (migration 0032), without link (and status), keyed by offer and member. */
export type RollupClicksSubPeriodTable = Omit<RollupClicksSubTable, 'day' | 'link_id'> & { period: string };
export type RollupConversionsSubPeriodTable = Omit<RollupConversionsSubTable, 'day' | 'link_id' | 'status'> & {
  period: string;
};

/** A conversion whose rollup contribution is stale (insert-only; written by triggers, consumed by the rollup job). */
export interface RollupDirtyTable {
  id: Generated<number>;
  workspace_id: string;
  conversion_id: string;
}

/** What the conversion rollups currently hold of one conversion: its local day and credit lines (compact JSON). */
export interface RollupAppliedTable {
  workspace_id: string;
  conversion_id: string;
  day: string;
  lines: string;
}

/** A person of the brand who signs in to the dashboard. One email, one user, one workspace. */
export interface UserTable {
  id: string;
  workspace_id: string;
  /** Lower-cased. */
  email: string;
  name: string;
  role: 'owner' | 'manager' | 'viewer';
  /** scrypt (core/passwords.ts); null until the user has followed their setup link. */
  password_hash: string | null;
  /** 1 after a one-time password was issued: the dashboard asks for a new one first. */
  must_change_password: number;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

/** A signed-in browser; the cookie holds the token, the table only its SHA-256. Same shape for users and members. */
export interface UserSessionTable {
  token_hash: string;
  user_id: string;
  workspace_id: string;
  /** Sent back by the page in X-CSRF-Token on every state-changing request. */
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface MemberSessionTable {
  token_hash: string;
  member_id: string;
  workspace_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

/** Single-use links: a user's setup link, a member's magic sign-in link. */
export interface OneTimeTokenTable {
  token_hash: string;
  purpose: 'user_setup' | 'member_login';
  workspace_id: string;
  /** usr_… or mem_… */
  subject_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** One row per counted attempt (failed login, sign-in link asked for), keyed by a hash of what is throttled. */
/** Attempts counted under one key (a hash of what is counted) since `window_start`; see app/throttle.ts. */
export interface AuthCounterTable {
  key: string;
  window_start: number;
  count: number;
}

/**
 * Outgoing email: the outbox and the send log in one. A row is written in the transaction of the change that causes
 * it and sent by the email dispatcher (app/emails.ts); the rendered bodies are kept, so the log shows what was sent.
 */
export interface EmailTable {
  id: string;
  workspace_id: string;
  /** member_links | magic_link | code_rotated | user_invite */
  kind: string;
  to_address: string;
  /** Display name of the sender (the workspace's name); the address is MAIL_FROM's. */
  from_name: string;
  subject: string;
  body_text: string;
  body_html: string;
  member_id: string | null;
  offer_id: string | null;
  user_id: string | null;
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'bounced';
  attempts: number;
  next_attempt_at: number;
  /** A dispatcher's claim on the email; another instance takes it over after this time. */
  locked_until: number;
  /** Not worth sending after this time (a magic link that has expired); null = no limit. */
  expires_at: number | null;
  /** The SMTP server's reply (or the transport's error) of the last failed attempt. */
  last_error: string | null;
  /** How a sent email left: 'smtp', or 'outbox' (written to DATA_DIR/outbox, no mail server configured). */
  delivered_via: string | null;
  /** The SMTP server's acceptance reply, or where the outbox file was written. */
  delivery_note: string | null;
  message_id: string | null;
  created_at: number;
  sent_at: number | null;
  /** SHA-256 of the token the last sending attempt of a sign-in or setup email carried (revoked by the next one). */
  link_token_hash: string | null;
}

/** A leak alert (SPEC §5): one code, one rule, its evidence and what people did about it. See ADR 0009-leak-alerts. */
export interface LeakAlertTable {
  id: string;
  workspace_id: string;
  code_id: string;
  offer_id: string;
  member_id: string | null;
  /** The code string when raised. */
  code: string;
  rule: 'spike' | 'no_click';
  /** open and acknowledged are "live": at most one live alert per code and rule (unique partial index). */
  status: 'open' | 'acknowledged' | 'resolved';
  resolution: 'code_disabled' | 'code_rotated' | 'subsided' | null;
  /** JSON: core/leak-detection LeakEvidence as of the last run that fired (frozen once resolved). */
  evidence: string;
  /** Redemptions in the 24 h before the last run that fired. */
  last24h: number;
  /** last24h when a person acted (acknowledged, disabled, rotated): the alert comes back only if it doubles. */
  reference_count: number | null;
  /** When the alert was raised, or raised again (reopened). */
  raised_at: number;
  /** The last run whose rule fired for this code, resolved alerts included: 24 h without one ends the episode. */
  last_fired_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  /** The code that replaced this one when it was rotated. */
  new_code_id: string | null;
  created_at: number;
  updated_at: number;
}

/** A periodic job's period, claimed by the one instance that runs it (src/jobs/scheduler.ts). */
export interface JobRunTable {
  name: string;
  /** Epoch ms of the period's start: a multiple of the job's period. */
  period_start: number;
  /** The instance that ran it (host, process id, a random tag). */
  claimed_by: string;
  claimed_at: number;
}

/** A Stripe customer locked to the order that won its subscription (its first order): renewals credit its credit. */
export interface StripeCustomerTable {
  workspace_id: string;
  customer_id: string;
  subscription_id: string;
  /** The first order's id: the subscription's id (sub_…). */
  first_order_id: string;
  locked_at: number;
  /** When the locked subscription ended (customer.subscription.deleted); invoices paid after it pay nothing. */
  ended_at: number | null;
}

/** A Stripe object that names an order: payment intent, charge, invoice, subscription. */
export interface StripeObjectTable {
  workspace_id: string;
  object_id: string;
  kind: 'payment_intent' | 'charge' | 'invoice' | 'subscription';
  /** null: an invoice that was not recorded as an order (a renewal that does not pay: see its rejected event). */
  order_id: string | null;
  customer_id: string | null;
  /** Invoices: when paid; the paid invoices of a customer are counted by it for the recurring cap. */
  paid_at: number | null;
}

/** A refund sender's key, once per workspace (migration 0030): conversion_events is partitioned by time on PostgreSQL. */
export interface ConversionEventKeyTable {
  workspace_id: string;
  event_key: string;
}

/** From when raw clicks are kept, once the retention dropped some (scope 'clicks'; ADR 0012). */
export interface ClickRetentionTable {
  scope: string;
  /** Epoch ms: the start of the oldest month whose raw clicks are kept. */
  kept_from: number;
}

export interface Database {
  click_rollup_journal: ClickRollupJournalTable;
  click_rollup_deltas: ClickRollupDeltaTable;
  stripe_customers: StripeCustomerTable;
  stripe_objects: StripeObjectTable;
  leak_alerts: LeakAlertTable;
  workspaces: WorkspaceTable;
  api_keys: ApiKeyTable;
  offers: OfferTable;
  payout_options: PayoutOptionTable;
  members: MemberTable;
  offer_members: OfferMemberTable;
  links: LinkTable;
  promo_codes: PromoCodeTable;
  clicks: ClickTable;
  audit_log: AuditLogTable;
  conversions: ConversionTable;
  conversion_events: ConversionEventTable;
  commissions: CommissionTable;
  commission_adjustments: CommissionAdjustmentTable;
  commission_month_counts: CommissionMonthCountTable;
  commission_month_deltas: CommissionMonthDeltaTable;
  webhook_deliveries: WebhookDeliveryTable;
  payout_batches: PayoutBatchTable;
  fx_rates: FxRateTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_messages: WebhookMessageTable;
  webhook_attempts: WebhookAttemptTable;
  rollup_clicks: RollupClicksTable;
  rollup_conversions: RollupConversionsTable;
  rollup_dirty: RollupDirtyTable;
  rollup_applied: RollupAppliedTable;
  rollup_clicks_period: RollupClicksPeriodTable;
  rollup_conversions_period: RollupConversionsPeriodTable;
  rollup_clicks_member_period: RollupClicksMemberPeriodTable;
  rollup_conversions_member_period: RollupConversionsMemberPeriodTable;
  rollup_clicks_offer_day: RollupClicksOfferDayTable;
  rollup_conversions_offer_day: RollupConversionsOfferDayTable;
  rollup_conversions_code_period: RollupConversionsCodePeriodTable;
  rollup_sub_id_links: RollupSubIdLinksTable;
  rollup_sub_ids: RollupSubIdsTable;
  rollup_clicks_sub: RollupClicksSubTable;
  rollup_conversions_sub: RollupConversionsSubTable;
  rollup_clicks_sub_period: RollupClicksSubPeriodTable;
  rollup_conversions_sub_period: RollupConversionsSubPeriodTable;
  users: UserTable;
  user_sessions: UserSessionTable;
  member_sessions: MemberSessionTable;
  one_time_tokens: OneTimeTokenTable;
  auth_counters: AuthCounterTable;
  emails: EmailTable;
  job_runs: JobRunTable;
  conversion_event_keys: ConversionEventKeyTable;
  click_retention: ClickRetentionTable;
}
