import { describe, expect, it } from "vitest";
import {
  ConfigError,
  concurrency,
  createRateLimiter,
  type Decision,
  fixedWindow,
  type RuleInput,
  slidingWindow,
  tokenBucket,
} from "../../src/index.ts";
import type { AnyStore } from "../../src/store-entry.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { referenceStore } from "../../src/testing/reference-store.ts";

describe("memoryStore", () => {
  it("drops the least recently used keys beyond maxKeys and keeps the recent ones", async () => {
    const limiter = createRateLimiter({
      store: memoryStore({ maxKeys: 2 }),
      rules: [fixedWindow({ limit: 5, window: "1h" })],
      clock: () => 0,
    });
    await limiter.limit("a");
    await limiter.limit("b");
    await limiter.limit("a"); // a is now the most recently used
    await limiter.limit("c"); // evicts b
    expect((await limiter.peek("a")).remaining).toBe(3);
    expect((await limiter.peek("b")).remaining).toBe(5);
    expect((await limiter.peek("c")).remaining).toBe(4);
  });

  it("rejects a bad maxKeys", () => {
    expect(() => memoryStore({ maxKeys: 0 })).toThrow(ConfigError);
  });

  // The store overwrites a key's state in place when the same limiter wrote it last; these pin that it still
  // behaves as `applyRules` with a fresh state per write (the reference store) whoever wrote the key.
  const plain = (d: Decision) => ({ ...d, release: undefined });
  it("decides as the reference when limiters with other rules share a prefix, with releases and resets between", async () => {
    let now = Date.UTC(2031, 0, 1);
    const clock = () => now;
    const ruleSets: RuleInput[][] = [
      [fixedWindow({ limit: 4, window: "1m", name: "x" })],
      [fixedWindow({ limit: 6, window: "1m", name: "x" }), slidingWindow({ limit: 3, window: "10s", name: "y" })],
      [tokenBucket({ capacity: 3, refillRate: 1, interval: "1s", name: "x" }), concurrency({ limit: 2, name: "c" })],
    ];
    const run = (store: AnyStore) =>
      ruleSets.map((rules) => createRateLimiter({ store, rules, clock, prefix: "p", denyCache: false }));
    const ours = run(memoryStore());
    const reference = run(referenceStore());
    const steps = [0, 1, 0, 2, 2, 1, 0, 1, 2, 0, 0, 1, 1, 2, 0];
    const held: [number, string][] = [];
    for (const [i, which] of steps.entries()) {
      now += (i * 397) % 2500;
      if (i === 9) await Promise.all([ours[1]!.reset("k"), reference[1]!.reset("k")]);
      if (i % 5 === 4 && held.length > 0) {
        const [at, lease] = held.shift()!;
        await Promise.all([ours[at]!.release("k", lease), reference[at]!.release("k", lease)]);
      }
      const cost = 1 + (i % 2);
      const [got, want] = await Promise.all([
        ours[which]!.limit("k", { cost }),
        reference[which]!.limit("k", { cost }),
      ]);
      expect(plain(got), `step ${i}`).toEqual(plain(want));
      if (want.leaseId) held.push([which, want.leaseId]);
      expect(await ours[which]!.peek("k"), `peek ${i}`).toEqual(await reference[which]!.peek("k"));
    }
  });

  it("a decision keeps its numbers after later decisions on the key", async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      rules: [fixedWindow({ limit: 5, window: "1h" })],
      clock: () => 0,
    });
    const first = await limiter.limit("a");
    const copy = structuredClone({ ...first, release: undefined });
    await limiter.limit("a", { cost: 3 });
    expect({ ...first, release: undefined }).toEqual(copy);
  });
});
