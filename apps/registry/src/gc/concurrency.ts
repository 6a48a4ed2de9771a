/** Storage calls the collector keeps in flight at once (each is a round trip to disk or an object store). */
export const STORAGE_CONCURRENCY = 16;

/** `fn` over `items`, at most `limit` at a time; results in the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  fn: (item: T) => Promise<R>,
  limit = STORAGE_CONCURRENCY,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
