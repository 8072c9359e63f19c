/**
 * Remembers keys for a short while, to drop repeated deliveries of the same button press (double
 * clicks, redeliveries) before they reach a use case. The use cases stay the real guard (state
 * machine, request keys, outbox dedupe keys); this only spares the user a second modal or reply.
 */
export class RecentKeys {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** True the first time a key is seen within the window. */
  firstTime(key: string): boolean {
    const now = this.clock();
    if (this.seen.size > 10_000) {
      for (const [k, at] of this.seen) if (now - at > this.ttlMs) this.seen.delete(k);
    }
    const at = this.seen.get(key);
    if (at !== undefined && now - at <= this.ttlMs) return false;
    this.seen.set(key, now);
    return true;
  }

  /** Lets a key through again, e.g. after the work it guarded failed. */
  forget(key: string): void {
    this.seen.delete(key);
  }
}
