// Nanoseconds per decision at each layer of the memory path, against rate-limiter-flexible's consume, in one
// process. For work on the memory store's speed (DESIGN.md: 2× RateLimiterMemory).
// Run: npx node bench/memory-layers.ts
import { RateLimiterMemory } from "rate-limiter-flexible";
import { applyRules } from "../src/algorithms/apply.ts";
import { evaluatorsOf } from "../src/algorithms/evaluators.ts";
import { fixedWindow as evaluateFixedWindow } from "../src/algorithms/fixed-window.ts";
import { createRateLimiter, fixedWindow, prefetchQuota } from "../src/index.ts";
import { standardLayers } from "../src/layers/standard.ts";
import type { FixedWindowRule } from "../src/rules/types.ts";
import { memoryStore } from "../src/stores/memory.ts";

const N = 2_000_000;
const rule: FixedWindowRule = { algorithm: "fixedWindow", name: "f", limit: 1e9, windowMs: 3_600_000 };
const keys = Array.from({ length: 64 }, (_, i) => `k${i}`);

async function time(name: string, step: (i: number) => unknown): Promise<void> {
  for (let i = 0; i < 200_000; i++) await step(i); // warm up
  const start = performance.now();
  for (let i = 0; i < N; i++) await step(i);
  console.log(`${name.padEnd(36)} ${Math.round(((performance.now() - start) * 1e6) / N)} ns`);
}

let state: readonly number[] | undefined;
await time("algorithm (fixedWindow)", (i) => {
  state = evaluateFixedWindow(rule, state, 1, 1000 + (i >> 10)).state;
});
let stored: Parameters<typeof applyRules>[1];
const evaluators = evaluatorsOf([rule]);
await time("applyRules, one rule", (i) => {
  stored = applyRules({ rules: [rule], evaluators, cost: 1, now: 1000 + (i >> 10), consume: true }, stored).write;
});
const local = memoryStore().local!;
const request = { rules: [rule], evaluators, cost: 1, now: 1000, consume: true };
await time("memory store call", (i) => local.apply("p", keys[i & 63]!, request));
const limiter = createRateLimiter({ store: memoryStore(), rules: [fixedWindow({ limit: 1e9, window: "1h" })] });
await time("limiter.limit, awaited", (i) => limiter.limit(keys[i & 63]!));
// A remote-looking store (the memory store's decisions behind a promise, under the standard layers) with
// prefetching: after the warm-up its pool holds units enough for the timed loop, so this row is the hot path of
// issue 16, minus the I/O of the few claims that refill the pool (bench/scenarios/prefetch-hot-path.ts has that).
const { local: _, ...remote } = memoryStore();
const prefetched = createRateLimiter({
  store: { ...remote, layers: standardLayers },
  rules: [fixedWindow({ limit: 1e9, window: "1h" })],
  prefetch: prefetchQuota(),
});
await time("limiter.limit, prefetched units", (i) => prefetched.limit(keys[i & 63]!));
console.log(
  `  (store calls for its ${(N + 200_000).toLocaleString("en")} decisions: ${prefetched.metrics().storeCalls})`,
);
const peer = new RateLimiterMemory({ points: 1e9, duration: 3600 });
await time("RLF RateLimiterMemory.consume, awaited", (i) => peer.consume(keys[i & 63]!));
