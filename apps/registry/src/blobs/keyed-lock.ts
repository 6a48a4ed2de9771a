/**
 * Runs tasks for the same key one after another (in this process): the requests of one upload session
 * (PATCH, PUT, GET status, DELETE) never interleave, so a status asked right after a dropped PATCH
 * reports the bytes that PATCH kept.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
