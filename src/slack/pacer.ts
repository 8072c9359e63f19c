/**
 * Slack allows about one chat.postMessage per second per channel. The pacer runs a channel's
 * sends one after another (which also keeps an invitation ahead of the notices threaded under it),
 * and `pace` spaces its posts `intervalMs` apart. Sends to different channels do not wait for each
 * other.
 */
export class ChannelPacer {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly lastPost = new Map<string, number>();

  constructor(
    private readonly intervalMs = 1000,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Runs `task` after the channel's earlier tasks. */
  run<T>(channel: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(channel) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(channel, tail);
    void tail.then(() => {
      if (this.tails.get(channel) === tail) this.tails.delete(channel);
    });
    return result;
  }

  /** Waits, right before a post to `channel`, until the channel's interval since its last post is over. */
  async pace(channel: string): Promise<void> {
    const wait = (this.lastPost.get(channel) ?? -Infinity) + this.intervalMs - this.clock();
    // A rate to keep, not a guess: the wait is exactly what is left of the channel's interval.
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.lastPost.set(channel, this.clock());
    if (this.lastPost.size > 5_000) this.forgetIdle();
  }

  private forgetIdle(): void {
    const now = this.clock();
    for (const [channel, at] of this.lastPost) if (now - at > this.intervalMs) this.lastPost.delete(channel);
  }
}
