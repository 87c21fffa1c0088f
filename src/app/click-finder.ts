// Where a conversion's click id is looked up: clicks not yet written (the tracking engine's buffer, handed in where
// the server is wired), then the table.
import type { Kysely } from 'kysely';
import { parseClickId } from '../core/click-id.js';
import { findClick } from '../db/conversions.js';
import type { Database } from '../db/schema.js';
import type { AppContext } from './context.js';

/** Where a click id is looked up: the click buffer first (a click is written within a flush interval), then the table. */
export interface ClickFinder {
  /**
   * `wait`: for a click made moments ago, wait one flush before calling it unknown (never inside a transaction).
   * `db`: inside a transaction, the transaction itself: a second pooled connection per transaction exhausts the pool
   * under load, every transaction waiting for a connection that only a finished one frees.
   */
  find(
    clickId: string,
    opts?: { wait: boolean; db?: Kysely<Database> },
  ): Promise<{
    workspaceId: string;
    offerId: string;
    memberId: string | null;
    linkId: string;
    clickedAt: number;
    tracked: boolean;
  } | null>;
}

/** A stored click's columns that attribution reads. */
export interface StoredClick {
  workspace_id: string;
  offer_id: string;
  member_id: string | null;
  link_id: string;
  created_at: number;
  tracked: number;
  is_bot: number;
}

/** Clicks received but not written yet (the tracking engine's click buffer). */
export interface PendingClicks {
  find(clickId: string): StoredClick | undefined;
}

/** A stored click as attribution sees it: tracked only when its link and offer were, and not a bot. */
export function foundClick(row: StoredClick) {
  return {
    workspaceId: row.workspace_id,
    offerId: row.offer_id,
    memberId: row.member_id,
    linkId: row.link_id,
    clickedAt: row.created_at,
    tracked: row.tracked === 1 && row.is_bot === 0,
  };
}

/** A click made moments ago may still be on its way to the database: wait for one flush before calling it unknown. */
export function clickFinder(ctx: AppContext, buffer: PendingClicks, flushMs: number): ClickFinder {
  const lookup = async (id: string, db: Kysely<Database> = ctx.store.db) => {
    const pending = buffer.find(id);
    if (pending) return pending;
    return (await findClick(db, id)) ?? null;
  };
  return {
    async find(id, opts = { wait: true }) {
      let row = await lookup(id, opts.db);
      const made = parseClickId(id)?.createdAt ?? 0;
      if (!row && opts.wait && ctx.clock() - made < 2 * flushMs + 1_000 && made <= ctx.clock()) {
        await new Promise((r) => setTimeout(r, 2 * flushMs));
        row = await lookup(id);
      }
      return row ? foundClick(row) : null;
    },
  };
}
