/**
 * Group commit, as databases do it for their log: one commit is in flight at a time; items handed in
 * meanwhile wait and are committed together by the next one. A lone request is committed at once (after
 * one microtask, so that writes of the same tick join it); under load N concurrent requests share one
 * commit instead of making N, which is what lets the registry answer each request only after its events
 * are durable without paying a round trip (and a queue job per endpoint) per request.
 *
 * `add` resolves once the group holding its items has been committed and rejects if that commit threw.
 * Groups keep call order and never exceed `maxItems` items unless one call alone brings more.
 */
export class GroupCommit<T> {
  private waiting: { items: readonly T[]; done: (error?: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly maxItems: number,
  ) {}

  add(items: readonly T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.running) void this.run();
    });
  }

  /** Resolves once nothing waits and no commit is in flight. */
  async idle(): Promise<void> {
    while (this.running) await new Promise((resolve) => setImmediate(resolve));
  }

  private async run(): Promise<void> {
    this.running = true;
    await Promise.resolve();
    while (this.waiting.length > 0) {
      const group = this.takeGroup();
      try {
        await this.commit(group.flatMap((writer) => writer.items));
        for (const writer of group) writer.done();
      } catch (error) {
        for (const writer of group) writer.done(error ?? new Error('group commit failed'));
      }
    }
    this.running = false;
  }

  private takeGroup(): typeof this.waiting {
    let count = 0;
    let taken = 0;
    while (taken < this.waiting.length && (taken === 0 || count + this.waiting[taken]!.items.length <= this.maxItems)) {
      count += this.waiting[taken]!.items.length;
      taken++;
    }
    return this.waiting.splice(0, taken);
  }
}
