/**
 * More than the client's highest `concurrency` (settings schema maximum 32), so the client's own limit stays the bound.
 */
const POOL_WIDTH = 32;

/**
 * `Promise.allSettled(items.map(run))` with at most POOL_WIDTH runs started at once. Starting one
 * async call per account at once holds a promise, closure and queue entry for each of 50,000
 * accounts until the client gets to it (issue #20: peak memory of a full plan).
 */
export async function settlePooled<T>(
  items: readonly T[],
  run: (item: T) => Promise<unknown>,
): Promise<PromiseSettledResult<unknown>[]> {
  const results: PromiseSettledResult<unknown>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await run(items[index]!) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(POOL_WIDTH, items.length) }, worker));
  return results;
}
