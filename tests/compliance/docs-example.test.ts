import { createRateLimiter, fixedWindow } from "edgelimit";
import { memoryStore } from "edgelimit/memory";
import { faultyStore, manualClock } from "edgelimit/testing";
import { testStore } from "edgelimit/testing/compliance";
import { expect, it } from "vitest";

// 1. Your store against the suite (here a memory store wrapped as a remote one, for the example).
testStore({
  name: "my store",
  create: () => faultyStore(memoryStore()),
  traceLength: 100,
});

// 2. Your code's behaviour when the store fails, on a clock you move by hand.
it("lets requests through, marked degraded, while the store is down; counts resume after", async () => {
  const clock = manualClock();
  const store = faultyStore(memoryStore());
  const limiter = createRateLimiter({ store, rules: [fixedWindow({ limit: 2, window: "1m" })], clock });

  store.inject({ kind: "error" }, { times: 1 });
  expect(await limiter.limit("user:1")).toMatchObject({ allowed: true, degraded: true, reason: "store-error" });

  expect(await limiter.limit("user:1")).toMatchObject({ allowed: true, remaining: 1 });
  expect(await limiter.limit("user:1")).toMatchObject({ allowed: true, remaining: 0 });
  expect(await limiter.limit("user:1")).toMatchObject({ allowed: false, retryAfterMs: 60_000 }); // starts at 00:00
  clock.advance(60_000);
  expect(await limiter.limit("user:1")).toMatchObject({ allowed: true, remaining: 1 });
});

// This file, from its first import on, is the example in docs/testing.md.
it("is what docs/testing.md shows", async () => {
  const { readFileSync } = await import("node:fs");
  const source = readFileSync(new URL(import.meta.url), "utf8");
  const example = source.slice(0, source.indexOf("\n// This file, from its first import on"));
  expect(readFileSync(new URL("../../docs/testing.md", import.meta.url), "utf8")).toContain(example);
});
