import { PostgresAdapter, sql, type Kysely } from 'kysely';

// The numbers a workspace's every page and job read: out of range, one row made the whole workspace answer 500
// (SQLite stored a hold of Infinity days; no commission of the offer could ever approve). The API refuses them first;
// these checks are the floor under every other writer (CLI, scripts, a future bug).
// PostgreSQL: CHECK constraints. SQLite cannot add a CHECK to an existing table with ALTER TABLE, and a table rebuild
// would copy the largest tables (conversions, commissions): BEFORE INSERT / BEFORE UPDATE triggers that
// RAISE(ABORT) instead, which like a CHECK fail the statement and change nothing.
// Rows already out of range (only SQLite could hold them) are brought into range first, so that the workspace works
// again: days clamped to their bounds, tiers that could never apply dropped.

/** Largest amount in minor units: MAX_MAJOR_UNITS (core/money.ts) in a currency of 4 decimals. */
const MAX_MINOR = 1_000_000_000_000;
const MAX_TIER_FROM = 1_000_000;

interface Check {
  table: string;
  name: string;
  /** Columns whose update re-checks (SQLite's UPDATE OF). */
  columns: string[];
  /** SQL over the row's columns; on SQLite every column is read as NEW.<column>. */
  condition: (col: (c: string) => string) => string;
}

const CHECKS: Check[] = [
  {
    table: 'offers',
    name: 'offers_numbers_in_range',
    columns: ['hold_days', 'cookie_window_days', 'split_code_share_bps'],
    condition: (c) =>
      `${c('hold_days')} between 0 and 365 and ${c('cookie_window_days')} between 1 and 365 and ${c('split_code_share_bps')} between 0 and 10000`,
  },
  {
    table: 'payout_options',
    name: 'payout_options_value_in_range',
    columns: ['type', 'value'],
    condition: (c) =>
      `${c('value')} between 0 and ${MAX_MINOR} and (${c('type')} <> 'percent' or ${c('value')} <= 10000)`,
  },
  {
    table: 'workspaces',
    name: 'workspaces_min_payout_in_range',
    columns: ['min_payout_minor'],
    condition: (c) => `${c('min_payout_minor')} between 0 and ${MAX_MINOR}`,
  },
  {
    table: 'conversions',
    name: 'conversions_amounts_not_negative',
    columns: ['amount_minor', 'refunded_minor'],
    condition: (c) =>
      `(${c('amount_minor')} is null or ${c('amount_minor')} between 0 and ${MAX_MINOR}) and ${c('refunded_minor')} >= 0`,
  },
  {
    table: 'commissions',
    name: 'commissions_amounts_in_range',
    columns: ['share_bps', 'sale_minor', 'amount_minor'],
    condition: (c) => `${c('share_bps')} between 0 and 10000 and ${c('sale_minor')} >= 0 and ${c('amount_minor')} >= 0`,
  },
];

/** A tier applies from a conversion count and pays a value in the option's unit. */
const tierInRange = (t: { fromConversion?: unknown; value?: unknown }) =>
  Number.isSafeInteger(t.fromConversion) &&
  (t.fromConversion as number) >= 2 &&
  (t.fromConversion as number) <= MAX_TIER_FROM &&
  Number.isSafeInteger(t.value) &&
  (t.value as number) >= 0 &&
  (t.value as number) <= MAX_MINOR;

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await sql`update offers set hold_days = 365 where not (hold_days <= 365)`.execute(db);
  await sql`update offers set hold_days = 0 where not (hold_days >= 0)`.execute(db);
  await sql`update offers set cookie_window_days = 365 where not (cookie_window_days <= 365)`.execute(db);
  await sql`update offers set cookie_window_days = 1 where not (cookie_window_days >= 1)`.execute(db);
  const tiered = await db.selectFrom('payout_options').select(['id', 'tiers']).where('tiers', '<>', '[]').execute();
  for (const row of tiered) {
    let tiers: unknown;
    try {
      tiers = JSON.parse(row.tiers);
    } catch {
      tiers = [];
    }
    const kept = Array.isArray(tiers) ? tiers.filter(tierInRange) : [];
    if (JSON.stringify(kept) !== row.tiers)
      await db
        .updateTable('payout_options')
        .set({ tiers: JSON.stringify(kept) })
        .where('id', '=', row.id)
        .execute();
  }

  const tiersPg = `not jsonb_path_exists(tiers::jsonb, '$[*] ? (!(@.fromConversion.type() == "number" && @.fromConversion >= 2 && @.fromConversion <= ${MAX_TIER_FROM} && @.value.type() == "number" && @.value >= 0 && @.value <= ${MAX_MINOR}))')`;
  const tiersSqlite = `json_valid(NEW.tiers) and json_type(NEW.tiers) = 'array' and not exists (select 1 from json_each(NEW.tiers) where not coalesce(json_extract(value, '$.fromConversion') between 2 and ${MAX_TIER_FROM} and json_extract(value, '$.value') between 0 and ${MAX_MINOR}, 0))`;

  if (postgres) {
    for (const check of CHECKS) {
      await sql
        .raw(`alter table ${check.table} add constraint ${check.name} check (${check.condition((c) => c)})`)
        .execute(db);
    }
    await sql
      .raw(`alter table payout_options add constraint payout_options_tiers_in_range check (${tiersPg})`)
      .execute(db);
    return;
  }
  const checks = [
    ...CHECKS,
    {
      table: 'payout_options',
      name: 'payout_options_tiers_in_range',
      columns: ['tiers'],
      condition: () => tiersSqlite,
    },
  ];
  for (const check of checks) {
    // coalesce: a NULL condition (NaN arrives as NULL) must fail, as it would not in a WHEN clause.
    const when = `not coalesce((${check.condition((c) => `NEW.${c}`)}), 0)`;
    const raise = `select raise(abort, 'CHECK constraint failed: ${check.name}')`;
    await sql
      .raw(`create trigger ${check.name}_insert before insert on ${check.table} when ${when} begin ${raise}; end`)
      .execute(db);
    await sql
      .raw(
        `create trigger ${check.name}_update before update of ${check.columns.join(', ')} on ${check.table} when ${when} begin ${raise}; end`,
      )
      .execute(db);
  }
}
