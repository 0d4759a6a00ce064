/**
 * `Promise.all(items.map(fn))` with at most `limit` calls in flight, results in input
 * order. Listings fan out per cluster, per bucket, per budget; the bound keeps one
 * sweep under the APIs' rate limits (the SDK's adaptive retry handles the rest).
 */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
