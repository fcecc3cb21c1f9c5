import { createRateLimiter, fixedWindow, prefetchQuota } from "../../src/index.ts";
import type { AnyStore } from "../../src/store-entry.ts";
import { tomorrowAt } from "../../src/testing/clock.ts";

/**
 * Three isolates with prefetching on one key of a real store (fixedWindow 50 an hour): each asks twice a second apart
 * (so it has a rate and claims beyond its cost), then all ask 40 times at once. Returns what was admitted, what was
 * answered from held units, and what the store says is left (a plain limiter's peek).
 */
export async function prefetchBurst(store: AnyStore, key: string) {
  let now = tomorrowAt(0);
  const rules = [fixedWindow({ limit: 50, window: "1h" })];
  const isolates = [0, 1, 2].map(() =>
    createRateLimiter({ store, rules, clock: () => now, prefetch: prefetchQuota(), onStoreError: "throw" }),
  );
  let admitted = 0;
  const limit = async (i: number) => {
    if ((await isolates[i]!.limit(key)).allowed) admitted++;
  };
  for (const i of [0, 1, 2]) await limit(i);
  now += 1000;
  for (const i of [0, 1, 2]) await limit(i);
  now += 1000;
  await Promise.all([0, 1, 2].flatMap((i) => [...Array(40)].map(() => limit(i))));
  const plain = createRateLimiter({ store, rules, clock: () => now, onStoreError: "throw" });
  const left = (await plain.peek(key)).remaining;
  const prefetched = isolates.reduce((sum, l) => sum + (l.metrics().prefetched ?? 0), 0);
  return { admitted, prefetched, left };
}
