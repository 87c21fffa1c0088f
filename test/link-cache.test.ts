// The redirect's link cache against a real database: a read that began before an admin change must never overwrite
// the entry that the change's reload stored. Reads are held at a gate (a Kysely plugin that keeps a query's result
// until released), so the interleavings are exact, not timed.
import BetterSqlite3 from 'better-sqlite3';
import {
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type TransactionSettings,
  type UnknownRow,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/schema.js';
import { LinkCache } from '../src/tracking/link-cache.js';
import { addCreators, samplePercentOffer, startTestApp, type TestApp } from './helpers/app.js';
import { DIALECTS } from './helpers/stores.js';

/** Holds the result of the next query when armed; says when that query has read its rows. */
class Gate implements KyselyPlugin {
  #armed: { read: () => void; release: Promise<void> } | null = null;

  /** The next query's rows are read at once and handed over only on `release()`. */
  arm(): { read: Promise<void>; release: () => void } {
    let read!: () => void;
    let release!: () => void;
    const readP = new Promise<void>((r) => (read = r));
    const releaseP = new Promise<void>((r) => (release = r));
    this.#armed = { read, release: releaseP };
    return { read: readP, release };
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const armed = this.#armed;
    if (armed) {
      this.#armed = null;
      armed.read();
      await armed.release;
    }
    return args.result;
  }
}

/**
 * Two SQLite connections to one file behind one Kysely, each taken when free. A plugin holds a query's result while
 * its connection is still taken (Kysely releases it after the plugins), and one SQLite connection would then stall
 * the cache's next read; PostgreSQL has a pool already.
 */
class TwoSqliteConnections implements Driver {
  readonly #drivers: SqliteDriver[];
  readonly #owner = new Map<DatabaseConnection, SqliteDriver>();

  constructor(file: string) {
    this.#drivers = [0, 1].map(() => new SqliteDriver({ database: new BetterSqlite3(file) }));
  }

  async init(): Promise<void> {
    for (const d of this.#drivers) await d.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const taken = new Set(this.#owner.values());
    const driver = this.#drivers.find((d) => !taken.has(d)) ?? this.#drivers[0]!;
    const connection = await driver.acquireConnection();
    this.#owner.set(connection, driver);
    return connection;
  }

  beginTransaction(c: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    return this.#owner.get(c)!.beginTransaction(c);
  }

  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.#owner.get(c)!.commitTransaction(c);
  }

  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    return this.#owner.get(c)!.rollbackTransaction(c);
  }

  async releaseConnection(c: DatabaseConnection): Promise<void> {
    const driver = this.#owner.get(c)!;
    this.#owner.delete(c);
    await driver.releaseConnection();
  }

  async destroy(): Promise<void> {
    for (const d of this.#drivers) await d.destroy();
  }
}

function twoConnectionSqlite(file: string): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new (class extends SqliteDialect {
      override createDriver(): Driver {
        return new TwoSqliteConnections(file);
      }
    })({ database: new BetterSqlite3(':memory:') }),
  });
}

describe.each(DIALECTS)('the link cache on %s', (kind) => {
  let t: TestApp;
  const gate = new Gate();
  let cache: LinkCache;
  let own: Kysely<Database> | null = null;

  beforeAll(async () => {
    t = await startTestApp(kind);
    own = kind === 'sqlite' ? twoConnectionSqlite(t.db.url) : null;
    cache = new LinkCache((own ?? t.db.store.db).withPlugin(gate));
  });
  afterAll(async () => {
    await own?.destroy();
    await t.close();
  });

  const newLink = async () => {
    const offer = (await t.api('POST', '/offers', samplePercentOffer)).data;
    const [creator] = await addCreators(t, offer.id, ['Ana']);
    return { offerId: offer.id as string, memberId: creator!.id, slug: creator!.slug };
  };

  it('keeps a paused offer paused when a miss read before the pause finishes after the reload', async () => {
    const { offerId, slug } = await newLink();
    const held = gate.arm();
    const miss = cache.get(slug) as Promise<unknown>;
    await held.read; // the miss has read the link while the offer was active
    expect((await t.api('POST', `/offers/${offerId}/pause`)).statusCode).toBe(200);
    await cache.refresh({ kind: 'offer', id: offerId });
    expect(cache.peek(slug)?.offerActive).toBe(false);
    held.release();
    await miss;
    expect(cache.peek(slug)?.offerActive).toBe(false);
  });

  it('keeps the newer of two reloads, whichever finishes last', async () => {
    const { offerId, slug } = await newLink();
    expect(cache.peek(slug)).toBeUndefined();
    await cache.get(slug);
    expect((await t.api('POST', `/offers/${offerId}/pause`)).statusCode).toBe(200);
    const held = gate.arm();
    const older = cache.refresh({ kind: 'offer', id: offerId });
    await held.read; // this reload has read the paused offer
    expect((await t.api('POST', `/offers/${offerId}/resume`)).statusCode).toBe(200);
    await cache.refresh({ kind: 'offer', id: offerId });
    expect(cache.peek(slug)?.offerActive).toBe(true);
    held.release();
    await older;
    expect(cache.peek(slug)?.offerActive).toBe(true);
  });

  it('does not bring back a link whose member was deleted while a miss was reading it', async () => {
    const { memberId, slug } = await newLink();
    const held = gate.arm();
    const miss = cache.get(slug) as Promise<unknown>;
    await held.read;
    expect((await t.api('DELETE', `/members/${memberId}`)).statusCode).toBe(200);
    await cache.refresh({ kind: 'member', id: memberId });
    held.release();
    await miss;
    expect(cache.peek(slug)).toBeUndefined();
  });
});
