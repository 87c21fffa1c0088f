// Pixel and /collect conversions received while the database is unreachable. Their senders never retry (a thank-you
// page loads its pixel once, the tag's beacon is fire-and-forget), so they are held in memory and recorded through the
// same path as any other (ingest, recordConversion) when the database answers again, retried with a growing pause.
// Bounded: past the bound the oldest are dropped, counted and logged. Held conversions live in this process only: a
// restart during the outage loses them, as it loses buffered clicks. Postbacks are not held: they are answered 503
// with Retry-After, and their sender retries.
import type { RawConversion } from '../core/conversion-input.js';
import { databaseUnavailable } from '../db/dialect/index.js';
import { Ring } from './click-buffer.js';

export interface ConversionBufferOptions {
  maxPending: number;
  /** First pause before recording held conversions again; doubled on each failure, up to 5 s. */
  retryMs: number;
  clock: () => number;
  onHeld?: () => void;
  onDropped?: (n: number) => void;
  /** A held conversion failed for another reason than the database: it is not retried. */
  onFailed?: (error: Error) => void;
}

export class ConversionBuffer {
  private pending = new Ring<() => Promise<unknown>>();
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private closed = false;
  recorded = 0;
  dropped = 0;
  failed = 0;

  constructor(private readonly opts: ConversionBufferOptions) {}

  get size(): number {
    return this.pending.length;
  }

  /**
   * Holds `record` to run again later when `error` is the database being unreachable, and says whether it did. The
   * conversion keeps the time it was received (unless it names its own), not the time it is finally recorded.
   */
  hold(error: unknown, raw: RawConversion, record: () => Promise<unknown>): boolean {
    if (this.closed || !databaseUnavailable(error)) return false;
    if (!raw.time?.trim()) raw.time = new Date(this.opts.clock()).toISOString();
    this.pending.push(record);
    this.opts.onHeld?.();
    if (this.pending.length > this.opts.maxPending) {
      const overflow = this.pending.length - this.opts.maxPending;
      this.pending.dropFront(overflow);
      this.dropped += overflow;
      this.opts.onDropped?.(overflow);
    }
    this.schedule();
    return true;
  }

  /** Records what is held, oldest first; stops at the first failure to reach the database and keeps the rest. */
  flush(): Promise<void> {
    this.draining ??= this.drain().finally(() => (this.draining = null));
    return this.draining;
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const n = this.pending.first;
      const [record] = this.pending.front(1);
      try {
        await record!();
        this.recorded++;
      } catch (e) {
        if (databaseUnavailable(e)) {
          this.failures++;
          return;
        }
        this.failed++;
        this.opts.onFailed?.(e as Error);
      }
      this.pending.dropBefore(n + 1);
      this.failures = 0;
    }
  }

  private schedule(): void {
    if (this.timer || this.closed || !this.pending.length) return;
    const delay = Math.min(5_000, this.opts.retryMs * 2 ** Math.min(this.failures, 5));
    this.timer = setTimeout(async () => {
      await this.flush();
      this.timer = null;
      this.schedule();
    }, delay);
    this.timer.unref();
  }

  /** Stops retrying on a timer and records what is held, trying for up to `graceMs` while the database fails. */
  async close(graceMs = 10_000): Promise<{ lost: number }> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const deadline = Date.now() + graceMs;
    for (;;) {
      await this.flush();
      if (!this.pending.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const lost = this.pending.length;
    this.pending.clear();
    return { lost };
  }
}
