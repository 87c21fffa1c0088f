import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, formatProgress, formatRate } from './progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 120, write: (s: string) => chunks.push(s) };
}

describe('progress', () => {
  it('formats durations, rates and a line with count, percent, rate and ETA', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(65_000)).toBe('1m05s');
    expect(formatDuration(3_725_000)).toBe('1h02m');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--');
    expect(formatRate(0)).toBe('-/s');
    expect(formatRate(950)).toBe('950/s');
    expect(formatRate(81_234)).toBe('81.2k/s');
    expect(formatRate(1_500_000)).toBe('1.50M/s');
    const line = formatProgress({ phase: 'clicks', done: 2_500, total: 10_000, elapsedMs: 1_000 }, { bar: true });
    expect(line).toBe('clicks [██████░░░░░░░░░░░░░░░░░░] 2,500/10,000  25.0%  2500/s  ETA 3s');
    expect(
      formatProgress({ phase: 'orders', done: 10, total: 10, elapsedMs: 2_000 }, { bar: false, final: true }),
    ).toBe('orders 10/10  100.0%  5/s  in 2s');
  });

  it('on a terminal redraws one line in place, at most every 100 ms, and ends each phase with a newline', () => {
    let now = 0;
    const out = stream(true);
    const p = createProgress(out, () => now);
    p.update('clicks', 0, 100);
    now = 50;
    p.update('clicks', 10, 100);
    now = 120;
    p.update('clicks', 40, 100);
    now = 130;
    p.update('orders', 0, 5);
    p.end();
    expect(out.chunks.every((c) => c.startsWith('\r') && c.includes('\x1b[K'))).toBe(true);
    // Each phase's first draw, one after 100 ms (the 50 ms update was skipped), and each phase's final line.
    expect(out.chunks).toHaveLength(5);
    expect(out.chunks[0]).toContain('0/100');
    expect(out.chunks[1]).toContain('40/100');
    expect(out.chunks[2]).toMatch(/^\rclicks .* 40\/100 .*in 0s\x1b\[K\n$/);
    expect(out.chunks[3]).toMatch(/^\rorders .* 0\/5 .*ETA --\x1b\[K$/);
    expect(out.chunks[4]).toMatch(/^\rorders .*\n$/);
  });

  it('elsewhere prints plain lines every few seconds and a final line per phase', () => {
    let now = 0;
    const out = stream(false);
    const p = createProgress(out, () => now);
    for (let i = 0; i <= 120; i++) {
      now = i * 100;
      p.update('clicks', i, 120);
    }
    p.end();
    expect(out.chunks.join('')).not.toMatch(/\r|\x1b|█/);
    // 12 s of updates: one line after 5 s, one after 10 s, and the final one.
    expect(out.chunks).toHaveLength(3);
    expect(out.chunks[2]).toBe('clicks 120/120  100.0%  10/s  in 12s\n');
  });
});
