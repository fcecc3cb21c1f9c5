import { afterAll, expect, it } from "vitest";
import { createRateLimiter, fixedWindow, prefetchQuota } from "../../src/index.ts";
import { upstashStore } from "../../src/stores/upstash.ts";
import { prefetchBurst } from "../support/prefetch-burst.ts";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";

let started: Promise<UpstashBackend> | undefined;
afterAll(async () => (await started)?.stop());

it("prefetching over the Upstash bridge: a parallel burst from 3 isolates admits at most the limit, partly from held units", async () => {
  started = startUpstashBackend();
  const { url, token } = await started;
  const { admitted, prefetched, left } = await prefetchBurst(upstashStore({ url, token }), "prefetch-burst");
  expect(admitted).toBeLessThanOrEqual(50);
  expect(admitted + left).toBeLessThanOrEqual(50);
  expect(prefetched).toBeGreaterThan(0);
});

it("a reset through a prefetching limiter deletes the Upstash fixed-window counters too", async () => {
  started ??= startUpstashBackend();
  const { url, token } = await started;
  const store = upstashStore({ url, token });
  const rules = [fixedWindow({ limit: 5, window: "1h" })];
  const prefetching = createRateLimiter({ store, rules, prefetch: prefetchQuota(), onStoreError: "throw" });
  const plain = createRateLimiter({ store, rules, onStoreError: "throw", denyCache: false });
  for (let i = 0; i < 5; i++) await plain.limit("prefetch-reset");
  expect((await plain.peek("prefetch-reset")).remaining).toBe(0);
  await prefetching.reset("prefetch-reset");
  expect((await plain.peek("prefetch-reset")).remaining).toBe(5);
});
