import { afterAll, expect, it } from "vitest";
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
