// The tracking engine: the link cache, the click buffer and its writer, the held conversions, the SQLite checkpoints,
// and the notices that keep instances' caches in sync. Its routes are in http/tracking/.
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { TrackingChange } from '../core/tracking-change.js';
import type { Store } from '../db/dialect/index.js';
import { ClickBuffer } from './click-buffer.js';
import { ConversionBuffer } from './conversion-buffer.js';
import { openClickWriter } from './click-writer/index.js';
import { LinkCache } from './link-cache.js';
import { checkpointInBackground } from './sqlite-checkpoints.js';

/** Where the engine reports what goes wrong (the server's logger). */
export interface TrackingLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Another cache kept in sync by the same notices (the conversion facts). */
export interface SyncedCache {
  invalidate(change: TrackingChange): void;
  invalidateWorkspace(workspaceId: string): void;
  /** Notices may have been lost: everything is read again. */
  clear(): void;
}

export interface TrackingOptions {
  config: Pick<Config, 'clickFlushMs' | 'clickBufferMax' | 'conversionBufferMax'>;
  clock: () => number;
  log: TrackingLog;
  /** Counts clicks by what happened to them (metrics). */
  countClicks?: (outcome: 'buffered' | 'written' | 'dropped', n: number) => void;
  facts?: SyncedCache;
}

export interface TrackingEngine {
  cache: LinkCache;
  buffer: ClickBuffer;
  /** Pixel and /collect conversions received while the database was unreachable, recorded when it returns. */
  conversions: ConversionBuffer;
  /** Called by use cases after a change that affects redirects; reaches other instances through the database. */
  changed(change: TrackingChange): Promise<void>;
  /** Called after the admin API changed something in a workspace: its cached conversion settings are read again, here and on other instances. */
  workspaceChanged(workspaceId: string): Promise<void>;
  /**
   * Writes every buffered click now, and adds every written click to the rollups. While the database is unreachable
   * both stay (the buffer, the held deltas) and are written later, as they would be without a flush.
   */
  flush(): Promise<void>;
  close(): Promise<{ lost: number }>;
}

const CHANNEL = 'touchpoint_tracking';

export async function startTracking(store: Store, opts: TrackingOptions): Promise<TrackingEngine> {
  const { config, log } = opts;
  const count = opts.countClicks;
  const cache = new LinkCache(store.db);
  await cache.warm();
  const writer = openClickWriter(store);
  const checkpoints = store.dialect.walCheckpoints
    ? await checkpointInBackground(store, {
        onFailure: (err) => log.warn({ err }, 'background WAL checkpoint failed; the server checkpoints itself again'),
      })
    : null;
  let lastErrorLog = 0;
  const buffer = new ClickBuffer({
    writer,
    onBuffered: () => count?.('buffered', 1),
    flushMs: config.clickFlushMs,
    maxPending: config.clickBufferMax,
    onWritten: (n) => count?.('written', n),
    onDropped: (n) => {
      count?.('dropped', n);
      log.warn({ dropped: n, bound: config.clickBufferMax }, 'click buffer full: oldest clicks dropped');
    },
    onError: (error, pending) => {
      if (Date.now() - lastErrorLog > 5_000) {
        lastErrorLog = Date.now();
        log.error({ err: error.message, pending }, 'clicks not written yet; retrying');
      }
    },
  });
  const conversions = new ConversionBuffer({
    maxPending: config.conversionBufferMax,
    retryMs: config.clickFlushMs,
    clock: opts.clock,
    onHeld: () => log.warn({ held: conversions.size }, 'database unreachable: conversion held until it returns'),
    onDropped: (n) =>
      log.error(
        { dropped: n, bound: config.conversionBufferMax },
        'conversion buffer full: oldest held conversions dropped',
      ),
    onFailed: (err) => log.error({ err }, 'held conversion failed'),
  });

  const instance = randomUUID();
  const facts = opts.facts;
  const reload = (change: TrackingChange) => {
    facts?.invalidate(change);
    return cache
      .refresh(change)
      .catch((e: Error) => log.warn({ err: e.message, change }, 'link cache refresh failed; keeping cached entries'));
  };
  // One channel for both caches: { change } is a link, offer or member; { workspace } is anything else the admin API changed.
  const unlisten = store.listen
    ? await store.listen(
        CHANNEL,
        (payload) => {
          const notice = JSON.parse(payload) as { from: string; change?: TrackingChange; workspace?: string };
          if (notice.from === instance) return;
          if (notice.change) void reload(notice.change);
          if (notice.workspace) facts?.invalidateWorkspace(notice.workspace);
        },
        () => {
          // Notices sent while the connection was down are lost: everything cached is read again.
          facts?.clear();
          void cache.warm().catch(() => {});
        },
      )
    : null;

  return {
    cache,
    buffer,
    conversions,
    async changed(change) {
      store.notify?.(CHANNEL, JSON.stringify({ from: instance, change })).catch(() => {});
      await reload(change);
    },
    async workspaceChanged(workspaceId) {
      store.notify?.(CHANNEL, JSON.stringify({ from: instance, workspace: workspaceId })).catch(() => {});
      facts?.invalidateWorkspace(workspaceId);
    },
    async flush() {
      await buffer.flush();
      try {
        await writer.settle();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'click rollups not folded yet; retrying');
      }
    },
    async close() {
      await unlisten?.();
      // Held conversions first: their clicks may still be in the click buffer, where the lookup finds them.
      const held = await conversions.close();
      if (held.lost) log.error({ lost: held.lost }, 'held conversions not recorded before exit');
      const result = await buffer.close();
      await checkpoints?.close();
      return result;
    },
  };
}
