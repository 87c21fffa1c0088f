// "Unique" = the first click from a visitor on a link within 24 hours. Kept in memory, bounded:
// it is a reporting flag, not money, so an approximation at the bound is acceptable (documented).

export const UNIQUE_WINDOW_MS = 24 * 60 * 60 * 1000;

export class UniqueClicks {
  /** Insertion-ordered: the oldest entries are first, so expiry and eviction walk from the front. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 500_000) {}

  /** True when (link, visitor) has not been seen in the last 24 h; records the visit either way. */
  firstInWindow(linkId: string, visitor: string, now: number): boolean {
    const key = `${linkId}|${visitor}`;
    const last = this.seen.get(key);
    if (last !== undefined && now - last < UNIQUE_WINDOW_MS) return false;
    // Re-insert to move the key to the back (newest).
    this.seen.delete(key);
    this.seen.set(key, now);
    this.evict(now);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private evict(now: number): void {
    for (const [key, time] of this.seen) {
      if (this.seen.size <= this.maxEntries && now - time < UNIQUE_WINDOW_MS) break;
      this.seen.delete(key);
    }
  }
}
