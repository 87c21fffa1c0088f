// The one ordered set of migrations, listed statically so it works from TypeScript sources and the build alike.
import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-conversions.js';
import * as m0003 from './0003-shopify.js';
import * as m0004 from './0004-payouts.js';
import * as m0005 from './0005-webhooks.js';
import * as m0006 from './0006-code-lookup-index.js';
import * as m0007 from './0007-rollups.js';
import * as m0008 from './0008-leak-alerts.js';
import * as m0009 from './0009-email.js';
import * as m0010 from './0010-accounts.js';
import * as m0011 from './0011-conversions-keyset.js';
import * as m0012 from './0012-incremental-rollups.js';
import * as m0013 from './0013-rollup-periods.js';
import * as m0014 from './0014-rollup-member-periods.js';
import * as m0015 from './0015-rollup-offer-day-indexes.js';
import * as m0016 from './0016-rollup-covering-indexes.js';
import * as m0017 from './0017-rollup-offer-days.js';
import * as m0018 from './0018-rollup-code-periods.js';
import * as m0019 from './0019-rollup-member-periods-without-status.js';
import * as m0020 from './0020-commission-ledger.js';
import * as m0021 from './0021-numeric-checks.js';
import * as m0022 from './0022-link-tokens-and-attempt-counters.js';
import * as m0023 from './0023-job-runs.js';
import * as m0024 from './0024-workspace-default-hold-days.js';
import * as m0025 from './0025-woocommerce.js';
import * as m0026 from './0026-webhook-attempts.js';
import * as m0027 from './0027-stripe.js';
import * as m0028 from './0028-offer-tracking-origin.js';
import * as m0029 from './0029-rollup-sub-ids.js';
import * as m0030 from './0030-click-partitions.js';
import * as m0031 from './0031-commission-month-counts.js';
import * as m0032 from './0032-rollup-sub-id-periods.js';
import * as m0034 from './0034-click-rollup-journal.js';
import * as m0035 from './0035-click-rollup-deltas.js';
import * as m0036 from './0036-take-month-count.js';

export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-conversions': m0002,
  '0003-shopify': m0003,
  '0004-payouts': m0004,
  '0005-webhooks': m0005,
  '0006-code-lookup-index': m0006,
  '0007-rollups': m0007,
  '0008-leak-alerts': m0008,
  '0009-email': m0009,
  '0010-accounts': m0010,
  '0011-conversions-keyset': m0011,
  '0012-incremental-rollups': m0012,
  '0013-rollup-periods': m0013,
  '0014-rollup-member-periods': m0014,
  '0015-rollup-offer-day-indexes': m0015,
  '0016-rollup-covering-indexes': m0016,
  '0017-rollup-offer-days': m0017,
  '0018-rollup-code-periods': m0018,
  '0019-rollup-member-periods-without-status': m0019,
  '0020-commission-ledger': m0020,
  '0021-numeric-checks': m0021,
  '0022-link-tokens-and-attempt-counters': m0022,
  '0023-job-runs': m0023,
  '0024-workspace-default-hold-days': m0024,
  '0025-woocommerce': m0025,
  '0026-webhook-attempts': m0026,
  '0027-stripe': m0027,
  '0028-offer-tracking-origin': m0028,
  '0029-rollup-sub-ids': m0029,
  '0030-click-partitions': m0030,
  '0031-commission-month-counts': m0031,
  '0032-rollup-sub-id-periods': m0032,
  '0034-click-rollup-journal': m0034,
  '0035-click-rollup-deltas': m0035,
  '0036-take-month-count': m0036,
};
