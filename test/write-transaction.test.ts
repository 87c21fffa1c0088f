import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace } from '../src/app/workspaces.js';
import { DIALECTS, freshStore, type TestStore } from './helpers/stores.js';

describe.each(DIALECTS)('writeTransaction on %s', (kind) => {
  let t: TestStore;
  let workspaceId: string;
  beforeAll(async () => {
    t = await freshStore(kind);
    const ws = await createWorkspace(
      { store: t.store, clock: Date.now, baseUrl: 'http://x', trackingChanged: async () => {} },
      { name: 'W' },
    );
    workspaceId = ws.ok ? ws.value.workspace.id : '';
  });
  afterAll(() => t.cleanup());

  const event = (id: string) => ({
    id,
    workspace_id: workspaceId,
    conversion_id: null,
    received_at: Date.now(),
    source: 'postback' as const,
    order_id: id,
    is_test: 0,
    outcome: 'rejected',
    reason: 'test',
    detail: '{}',
  });

  it('commits each work on its own terms when many arrive together: one failing undoes only itself', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        t.store.writeTransaction(async (tx) => {
          await tx
            .insertInto('conversion_events')
            .values(event(`evt_w${i}`))
            .execute();
          if (i % 7 === 3) throw new Error(`work ${i} fails after writing`);
          return i;
        }),
      ),
    );
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    expect(failed).toEqual([3, 10, 17, 24]);
    expect(
      results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value),
    ).toEqual(Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 7 !== 3));
    const stored = await t.store.db
      .selectFrom('conversion_events')
      .select('id')
      .where('id', 'like', 'evt_w%')
      .execute();
    expect(stored.map((r) => r.id).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => i)
        .filter((i) => i % 7 !== 3)
        .map((i) => `evt_w${i}`)
        .sort(),
    );
  });
});
