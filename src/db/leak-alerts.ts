// Leak alerts and the raw counts leak detection reads (conversions by code string, their clicks' members and referrers).
import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import type { Database, LeakAlertTable, PromoCodeTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type LeakAlertRow = LeakAlertTable;

export interface CodeClickRow {
  code: string;
  /** The member of the order's click; null without a click (or an unknown one). */
  click_member: string | null;
  referrer_host: string | null;
  n: number;
}

/**
 * Non-test orders carrying a code in (from, to], grouped by code string, click member and click referrer. Every order
 * with the code counts, credited to it or not (a disabled code's use, or a code that lost to a click, is still use).
 */
export async function codedOrdersByClick(
  db: Db,
  workspaceId: string,
  from: number,
  to: number,
  only?: { code: string; since: number },
): Promise<CodeClickRow[]> {
  let q = db
    .selectFrom('conversions as c')
    .leftJoin('clicks as k', (j) => j.onRef('k.id', '=', 'c.click_id').onRef('k.workspace_id', '=', 'c.workspace_id'))
    .select([
      'c.code as code',
      'k.member_id as click_member',
      'k.referrer_host as referrer_host',
      (eb) => eb.fn.countAll<number>().as('n'),
    ])
    .where('c.workspace_id', '=', workspaceId)
    .where('c.is_test', '=', 0)
    .where('c.code', 'is not', null)
    .where('c.occurred_at', '>', from)
    .where('c.occurred_at', '<=', to);
  if (only) q = q.where('c.code', '=', only.code).where('c.occurred_at', '>=', only.since);
  const rows = await q.groupBy(['c.code', 'k.member_id', 'k.referrer_host']).execute();
  return rows.map((r) => ({
    code: r.code!,
    click_member: r.click_member,
    referrer_host: r.referrer_host,
    n: Number(r.n),
  }));
}

/** Every code row (any status) with one of these strings. */
export async function codesByString(db: Db, workspaceId: string, strings: string[]): Promise<PromoCodeTable[]> {
  const out: PromoCodeTable[] = [];
  for (let i = 0; i < strings.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom('promo_codes')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('code_normalized', 'in', strings.slice(i, i + 500))
        .execute()),
    );
  }
  return out;
}

/**
 * Non-test orders per code string and bucket: `starts` are the buckets' first instants (ascending), `end` the end of
 * the last one. Buckets are local days, so the boundaries come from the caller (DST days are not 24 h); the index of
 * the bucket is computed in SQL so only (code, day, count) rows come back, however many orders a leaked code had.
 */
export async function codedOrdersPerBucket(
  db: Db,
  workspaceId: string,
  codes: string[],
  starts: number[],
  end: number,
  since?: number,
): Promise<{ code: string; bucket: number; n: number }[]> {
  if (!codes.length || !starts.length) return [];
  const cases = sql.join(
    starts.slice(1).map((s, i) => sql`when c.occurred_at < ${s} then ${sql.lit(i)}`),
    sql` `,
  );
  const bucket = sql<number>`case ${cases} else ${sql.lit(starts.length - 1)} end`;
  const out: { code: string; bucket: number; n: number }[] = [];
  for (let i = 0; i < codes.length; i += 500) {
    const rows = await db
      .selectFrom(
        db
          .selectFrom('conversions as c')
          .select(['c.code as code', bucket.as('bucket')])
          .where('c.workspace_id', '=', workspaceId)
          .where('c.is_test', '=', 0)
          .where('c.code', 'in', codes.slice(i, i + 500))
          .where('c.occurred_at', '>=', Math.max(starts[0]!, since ?? starts[0]!))
          .where('c.occurred_at', '<', end)
          .as('t'),
      )
      .select(['t.code', 't.bucket', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['t.code', 't.bucket'])
      .execute();
    out.push(...rows.map((r) => ({ code: r.code!, bucket: Number(r.bucket), n: Number(r.n) })));
  }
  return out;
}

/** Every alert of these codes, newest first. */
export async function alertsOfCodes(db: Db, workspaceId: string, codeIds: string[]): Promise<LeakAlertRow[]> {
  const out: LeakAlertRow[] = [];
  for (let i = 0; i < codeIds.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom('leak_alerts')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('code_id', 'in', codeIds.slice(i, i + 500))
        .orderBy('id', 'desc')
        .execute()),
    );
  }
  return out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Inserts the alert unless a live one of its code and rule exists (on any instance); true when this call inserted it. */
export async function insertAlertIfNone(db: Db, row: LeakAlertRow): Promise<boolean> {
  const r = await db
    .insertInto('leak_alerts')
    .values(row)
    // The predicate matches the partial unique index leak_alerts_live, as PostgreSQL's inference needs.
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'code_id', 'rule']).where(sql.raw<boolean>(`status <> 'resolved'`)).doNothing(),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Conditional update: applies only while the alert is still in `from`; true when it did. */
export async function updateAlertIf(
  db: Db,
  workspaceId: string,
  id: string,
  from: LeakAlertRow['status'][],
  patch: Partial<LeakAlertRow>,
  extra?: { newCodeIdIsNull?: boolean },
): Promise<boolean> {
  let q = db
    .updateTable('leak_alerts')
    .set(patch)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', 'in', from);
  if (extra?.newCodeIdIsNull) q = q.where('new_code_id', 'is', null);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Live alerts of an acknowledged episode that has been quiet since `quietBefore`: resolved as subsided. */
export async function subsideQuietAlerts(
  db: Db,
  workspaceId: string,
  quietBefore: number,
  now: number,
): Promise<string[]> {
  const rows = await db
    .updateTable('leak_alerts')
    .set({
      status: 'resolved',
      resolution: 'subsided',
      resolved_at: now,
      resolved_by: 'system:leak_detection',
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'acknowledged')
    .where('last_fired_at', '<=', quietBefore)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function findAlert(db: Db, workspaceId: string, id: string): Promise<LeakAlertRow | undefined> {
  return db
    .selectFrom('leak_alerts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * One row per card (core/leak-alerts `sameCard`): the newest alert of a code's live alerts, or of those resolved at
 * the same instant. `status` filters on the card's status: open while any live alert of the code is open.
 */
export async function listAlerts(
  db: Db,
  workspaceId: string,
  f: { status?: LeakAlertRow['status']; codeId?: string; offerId?: string; before: string | null; limit: number },
): Promise<LeakAlertRow[]> {
  let q = db
    .selectFrom('leak_alerts as a')
    .selectAll('a')
    .where('a.workspace_id', '=', workspaceId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('leak_alerts as b')
            .select('b.id')
            .whereRef('b.workspace_id', '=', 'a.workspace_id')
            .whereRef('b.code_id', '=', 'a.code_id')
            .whereRef('b.id', '>', 'a.id')
            .where(
              sql<boolean>`((a.status <> 'resolved' and b.status <> 'resolved') or (a.status = 'resolved' and b.status = 'resolved' and b.resolved_at = a.resolved_at))`,
            ),
        ),
      ),
    );
  if (f.status === 'resolved') q = q.where('a.status', '=', 'resolved');
  else if (f.status) {
    const anyOpen = ({ exists, selectFrom }: ExpressionBuilder<Database & { a: LeakAlertTable }, 'a'>) =>
      exists(
        selectFrom('leak_alerts as o')
          .select('o.id')
          .whereRef('o.workspace_id', '=', 'a.workspace_id')
          .whereRef('o.code_id', '=', 'a.code_id')
          .where('o.status', '=', 'open'),
      );
    q = q.where('a.status', '<>', 'resolved').where((eb) => (f.status === 'open' ? anyOpen(eb) : eb.not(anyOpen(eb))));
  }
  if (f.codeId) q = q.where('a.code_id', '=', f.codeId);
  if (f.offerId) q = q.where('a.offer_id', '=', f.offerId);
  if (f.before) q = q.where('a.id', '<', f.before);
  return q
    .orderBy('a.id', 'desc')
    .limit(f.limit + 1)
    .execute();
}

/** The alerts of one code that are still live, for an action on the code to settle them all. */
export async function liveAlertsOfCode(db: Db, workspaceId: string, codeId: string): Promise<LeakAlertRow[]> {
  return db
    .selectFrom('leak_alerts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('code_id', '=', codeId)
    .where('status', '<>', 'resolved')
    .execute();
}

/** The code that replaced this one, if any alert of it records a rotation. */
export async function rotationOfCode(db: Db, workspaceId: string, codeId: string): Promise<string | null> {
  const r = await db
    .selectFrom('leak_alerts')
    .select('new_code_id')
    .where('workspace_id', '=', workspaceId)
    .where('code_id', '=', codeId)
    .where('new_code_id', 'is not', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return r?.new_code_id ?? null;
}
