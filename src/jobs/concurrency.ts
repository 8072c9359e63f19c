/**
 * Runs `work` over `items` with at most `limit` running at once, in order of the items. Both the
 * deadline clock (lapses) and the delivery worker (sends) fan out this way.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}
