// A fixed number of workers over a list: each takes the next item as soon as it is done with one, so a
// slow host never holds up a whole batch (as `inBatches` does). Pure: no I/O of its own.

/** Runs `work` on every item, at most `width` at a time; rejects with the first error. */
export async function inPool<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
}
