// Clicks wait here, off the request path, and are written in batches by size and by time.
// While the database is unreachable they stay (bounded: past the bound the oldest are dropped, counted and logged)
// and are written when it returns. close() writes everything that is left.
import type { ClickRow, ClickWriter } from './click-writer.js';

export interface ClickBufferOptions {
  writer: ClickWriter;
  flushMs: number;
  maxPending: number;
  batchSize?: number;
  onBuffered?: () => void;
  onWritten?: (n: number) => void;
  onDropped?: (n: number) => void;
  onError?: (error: Error, pending: number) => void;
}

export class ClickBuffer {
  private pending: ClickRow[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private readonly batchSize: number;
  written = 0;
  dropped = 0;

  constructor(private readonly opts: ClickBufferOptions) {
    this.batchSize = opts.batchSize ?? 1_000;
    this.schedule(opts.flushMs);
  }

  get size(): number {
    return this.pending.length;
  }

  /** A click not yet written, newest first: a conversion may arrive before its click's batch is. */
  find(id: string): ClickRow | undefined {
    for (let i = this.pending.length - 1; i >= 0; i--) if (this.pending[i]!.id === id) return this.pending[i];
    return undefined;
  }

  push(click: ClickRow): void {
    this.pending.push(click);
    this.opts.onBuffered?.();
    if (this.pending.length > this.opts.maxPending) {
      const overflow = this.pending.length - this.opts.maxPending;
      this.pending.splice(0, overflow);
      this.dropped += overflow;
      this.opts.onDropped?.(overflow);
    }
    // A full batch is written at once rather than waiting for the timer, unless the database is failing.
    if (this.pending.length >= this.batchSize && !this.flushing && this.failures === 0) void this.flush();
  }

  /** Writes what is pending, batch by batch; stops at the first failure and keeps the rest. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.slice(0, this.batchSize);
      try {
        await this.opts.writer.write(batch);
      } catch (e) {
        this.failures++;
        this.opts.onError?.(e as Error, this.pending.length);
        return;
      }
      // Meanwhile clicks were appended and overflow may have dropped some of this batch from the front;
      // whatever of the batch is left is still the front of the queue.
      const inBatch = new Set(batch);
      let k = 0;
      while (k < this.pending.length && inBatch.has(this.pending[k]!)) k++;
      this.pending.splice(0, k);
      this.failures = 0;
      this.written += batch.length;
      this.opts.onWritten?.(batch.length);
    }
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(async () => {
      await this.flush();
      // Back off while the database is failing: 0.25 s, 0.5 s, … up to 5 s between attempts.
      this.schedule(this.failures ? Math.min(5_000, this.opts.flushMs * 2 ** Math.min(this.failures, 5)) : this.opts.flushMs);
    }, delay);
    this.timer.unref();
  }

  /** Stops the timer and writes everything left, retrying for up to `graceMs` while the database fails. */
  async close(graceMs = 10_000): Promise<{ lost: number }> {
    if (this.timer) clearTimeout(this.timer);
    const deadline = Date.now() + graceMs;
    for (;;) {
      await this.flush();
      if (!this.pending.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const lost = this.pending.length;
    this.pending = [];
    await this.opts.writer.close();
    return { lost };
  }
}
