import { describe, expect, it } from "vitest";
import { fixedWindow, gcra, type RuleInput, slidingWindow } from "../../src/index.ts";
import { newLot, spendable } from "../../src/layers/prefetch-pool.ts";
import type { Rule } from "../../src/rules/types.ts";
import { normalizeRule } from "../../src/rules/validation.ts";
import { world } from "./prefetch-world.ts";

const MINUTE = 60_000;

describe("held units are spent only while every rule still counts them", () => {
  const rule = (input: RuleInput) => [normalizeRule(input, "rules[0]", []) as Rule];
  const lot = (rules: Rule[], resetAt: number, offset = 0) =>
    newLot(rules, 9, [{ allowed: true, remaining: 0, resetAt, retryAfterMs: 0 }], offset);

  it("fixedWindow: up to the last ms of the claim's window, never at its end (the next window's start)", () => {
    const rules = rule(fixedWindow({ limit: 100, window: 1000 }));
    expect(spendable(rules, lot(rules, 2000), 9, 1999)).toBe(true);
    expect(spendable(rules, lot(rules, 2000), 9, 2000)).toBe(false);
    // The store's clock 5 ms ahead of ours: its window ends 5 ms earlier in our time.
    expect(spendable(rules, lot(rules, 2000, 5), 9, 1994)).toBe(true);
    expect(spendable(rules, lot(rules, 2000, 5), 9, 1995)).toBe(false);
  });

  it("slidingWindow: up to the end of the window the claim was counted in (resetAt is one window later)", () => {
    const rules = rule(slidingWindow({ limit: 100, window: 1000 }));
    expect(spendable(rules, lot(rules, 3000), 9, 1999)).toBe(true);
    expect(spendable(rules, lot(rules, 3000), 9, 2000)).toBe(false);
  });

  it("gcra: while now + held × period/limit is within the TAT the claim left; each unit spent buys one interval", () => {
    // burst 10, one unit per ms. Claimed 1 + 9 on an idle key at 0: TAT 10. Were the 9 spent at 9, another isolate
    // could meanwhile have been granted 9 at 9 (TAT max(10, 9) + 9 − 9 = 10 ≤ burst): 18 at once, burst 10.
    const rules = rule(gcra({ limit: 1000, period: 1000, burst: 10 }));
    expect(spendable(rules, lot(rules, 10), 9, 0)).toBe(true);
    expect(spendable(rules, lot(rules, 10), 9, 1)).toBe(false);
    expect(spendable(rules, lot(rules, 10), 8, 1)).toBe(true);
    expect(spendable(rules, lot(rules, 10), 8, 2)).toBe(false);
    expect(spendable(rules, lot(rules, 10), 1, 8)).toBe(true);
    expect(spendable(rules, lot(rules, 10), 1, 9)).toBe(false);
  });

  it("a unit of an earlier window is not spent at the boundary another isolate has just filled", async () => {
    const w = world([fixedWindow({ limit: 100, window: "1m" })], 2);
    for (let t = 0; t <= 10_000; t += 1000) {
      w.at(t);
      await w.limit(0, "k");
    }
    w.at(MINUTE - 1);
    const a = w.limiters[0]!;
    const before = a.metrics().prefetched!;
    expect((await w.limit(0, "k")).reason).toBe("allowed");
    expect(a.metrics().prefetched).toBe(before + 1); // from held units
    w.at(MINUTE);
    for (let i = 0; i < 100; i++) expect((await w.limit(1, "k")).allowed).toBe(true);
    expect((await w.limit(0, "k")).allowed).toBe(false);
    expect(a.metrics().prefetched).toBe(before + 1);
  });
});
