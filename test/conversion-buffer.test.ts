// The pixel's and /collect's conversions held while the database is unreachable: only such failures are held, the
// bound drops the oldest, each keeps the time it was received, and one failing for another reason is not retried.
import { describe, expect, it } from 'vitest';
import type { RawConversion } from '../src/core/conversion-input.js';
import { ConversionBuffer } from '../src/tracking/conversion-buffer.js';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const RECEIVED = Date.UTC(2026, 11, 7, 4, 30);

function buffer(maxPending = 3) {
  const failures: Error[] = [];
  const held = new ConversionBuffer({
    maxPending,
    retryMs: 60_000,
    clock: () => RECEIVED,
    onFailed: (e) => failures.push(e),
  });
  return { held, failures };
}

describe('conversion buffer', () => {
  it('holds only what failed because the database is unreachable', async () => {
    const { held } = buffer();
    expect(held.hold(new Error('amount is not a number'), {}, async () => {})).toBe(false);
    expect(held.hold(Object.assign(new Error('duplicate key'), { code: '23505' }), {}, async () => {})).toBe(false);
    expect(held.hold(refused, {}, async () => {})).toBe(true);
    expect(held.hold(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }), {}, async () => {})).toBe(
      true,
    );
    expect(held.hold(new Error('Query read timeout'), {}, async () => {})).toBe(true);
    expect(held.size).toBe(3);
    await held.close(0);
  });

  it('keeps the time each was received, drops the oldest past the bound, and records the rest in order', async () => {
    const { held } = buffer(3);
    const recorded: string[] = [];
    const raws: RawConversion[] = [];
    for (let i = 1; i <= 5; i++) {
      const raw: RawConversion = { order: `O-${i}`, ...(i === 5 ? { time: '1765081800' } : {}) };
      raws.push(raw);
      held.hold(refused, raw, async () => recorded.push(raw.order!));
    }
    expect(held.size).toBe(3);
    expect(held.dropped).toBe(2);
    expect(raws[0]!.time).toBe(new Date(RECEIVED).toISOString());
    // A time the sender gave is its own.
    expect(raws[4]!.time).toBe('1765081800');
    await held.flush();
    expect(recorded).toEqual(['O-3', 'O-4', 'O-5']);
    expect(held.size).toBe(0);
    expect(held.recorded).toBe(3);
    await held.close(0);
  });

  it('stops at a conversion the database still cannot take, and drops one that fails for another reason', async () => {
    const { held, failures } = buffer(10);
    let down = true;
    const recorded: string[] = [];
    held.hold(refused, {}, async () => {
      if (down) throw refused;
      recorded.push('first');
    });
    held.hold(refused, {}, async () => {
      throw new Error('offer deleted meanwhile');
    });
    held.hold(refused, {}, async () => recorded.push('third'));
    await held.flush();
    expect(held.size).toBe(3);
    expect(recorded).toEqual([]);
    down = false;
    await held.flush();
    expect(recorded).toEqual(['first', 'third']);
    expect(held.size).toBe(0);
    expect(held.failed).toBe(1);
    expect(failures.map((e) => e.message)).toEqual(['offer deleted meanwhile']);
    await held.close(0);
  });
});
