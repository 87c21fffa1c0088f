// Clicks wait here, off the request path, and are written in batches by size and by time.
// While the database is unreachable they stay (bounded: past the bound the oldest are dropped, counted and logged)
// and are written when it returns. close() writes everything that is left.
import type { ClickRow, ClickWriter } from './click-writer/index.js';

export interface ClickBufferOptions {
  writer: Pick<ClickWriter, 'write' | 'close'>;
  flushMs: number;
  maxPending: number;
  batchSize?: number;
  onBuffered?: () => void;
  onWritten?: (n: number) => void;
  onDropped?: (n: number) => void;
  onError?: (error: Error, pending: number) => void;
}

/**
 * A first-in first-out queue on a growable ring: taking from the front costs the same however many items are held
 * (Array.shift and splice(0, n) move every remaining item, which made each click into a full buffer cost as much as
 * the whole buffer). Items are numbered in push order, so a batch taken from the front can be told apart later by
 * number, whatever was dropped or appended meanwhile.
 */
export class Ring<T> {
  private slots: (T | undefined)[] = new Array(16);
  /** Number of the oldest held item; numbers run on from the first push. */
  private head = 0;
  /** Number the next pushed item gets. */
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  /** Number of the oldest held item. */
  get first(): number {
    return this.head;
  }

  private slot(n: number): number {
    return n & (this.slots.length - 1);
  }

  push(item: T): void {
    if (this.length === this.slots.length) this.grow();
    this.slots[this.slot(this.tail++)] = item;
  }

  /** Drops the `n` oldest items. */
  dropFront(n: number): void {
    const end = Math.min(this.tail, this.head + n);
    for (; this.head < end; this.head++) this.slots[this.slot(this.head)] = undefined;
  }

  /** Drops every item numbered below `n`. */
  dropBefore(n: number): void {
    if (n > this.head) this.dropFront(n - this.head);
  }

  /** The `n` oldest items, left in place. */
  front(n: number): T[] {
    const out: T[] = [];
    const end = Math.min(this.tail, this.head + n);
    for (let i = this.head; i < end; i++) out.push(this.slots[this.slot(i)]!);
    return out;
  }

  /** The newest item `pred` accepts. */
  findLast(pred: (item: T) => boolean): T | undefined {
    for (let i = this.tail - 1; i >= this.head; i--) {
      const item = this.slots[this.slot(i)]!;
      if (pred(item)) return item;
    }
    return undefined;
  }

  clear(): void {
    this.slots = new Array(16);
    this.head = this.tail = 0;
  }

  /** Doubles the ring (its size stays a power of two), copying the items in order: amortized over the pushes. */
  private grow(): void {
    const bigger: (T | undefined)[] = new Array(this.slots.length * 2);
    for (let i = this.head; i < this.tail; i++) bigger[i & (bigger.length - 1)] = this.slots[this.slot(i)];
    this.slots = bigger;
  }
}

export class ClickBuffer {
  private pending = new Ring<ClickRow>();
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
    return this.pending.findLast((c) => c.id === id);
  }

  push(click: ClickRow): void {
    this.pending.push(click);
    this.opts.onBuffered?.();
    if (this.pending.length > this.opts.maxPending) {
      const overflow = this.pending.length - this.opts.maxPending;
      this.pending.dropFront(overflow);
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
      const from = this.pending.first;
      const batch = this.pending.front(this.batchSize);
      try {
        await this.opts.writer.write(batch);
      } catch (e) {
        this.failures++;
        this.opts.onError?.(e as Error, this.pending.length);
        return;
      }
      // Meanwhile clicks were appended and overflow may have dropped some of this batch from the front;
      // whatever of the batch is left is numbered below from + batch.length.
      this.pending.dropBefore(from + batch.length);
      this.failures = 0;
      this.written += batch.length;
      this.opts.onWritten?.(batch.length);
    }
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(async () => {
      await this.flush();
      // Back off while the database is failing: 0.25 s, 0.5 s, … up to 5 s between attempts.
      this.schedule(
        this.failures ? Math.min(5_000, this.opts.flushMs * 2 ** Math.min(this.failures, 5)) : this.opts.flushMs,
      );
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
    this.pending.clear();
    await this.opts.writer.close();
    return { lost };
  }
}
