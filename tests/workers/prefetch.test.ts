import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { durableObjectStore } from "../../durable-objects/index.ts";
import { prefetchBurst } from "../support/prefetch-burst.ts";

it("prefetching over the Durable Object store: a parallel burst from 3 isolates admits at most the limit, partly from held units", async () => {
  const store = durableObjectStore(env.RATE_LIMITER, { clock: "caller" });
  const { admitted, prefetched, left } = await prefetchBurst(store, "prefetch-burst");
  expect(admitted).toBeLessThanOrEqual(50);
  expect(admitted + left).toBeLessThanOrEqual(50);
  expect(prefetched).toBeGreaterThan(0);
});
