import { describe, expect, it } from "vitest";
import { evaluatorsOf } from "../../src/algorithms/evaluators.ts";
import { fixedWindow } from "../../src/algorithms/fixed-window.ts";
import { gcra } from "../../src/algorithms/gcra.ts";
import { slidingWindow } from "../../src/algorithms/sliding-window.ts";
import { tokenBucket } from "../../src/algorithms/token-bucket.ts";
import { ALGORITHMS } from "../../src/rules/algorithm-list.ts";
import * as rules from "../../src/rules/constructors.ts";
import { kindOf } from "../../src/rules/lookups.ts";
import type { FixedWindowRule, GcraRule, SlidingWindowRule, TokenBucketRule } from "../../src/rules/types.ts";
import { normalizeRule } from "../../src/rules/validation.ts";

// Hand-computed expectations: these pin the reference semantics every store reproduces.
const fixed: FixedWindowRule = { algorithm: "fixedWindow", name: "f", limit: 3, windowMs: 1000 };
const sliding: SlidingWindowRule = { algorithm: "slidingWindow", name: "s", limit: 10, windowMs: 1000 };
const bucket: TokenBucketRule = { algorithm: "tokenBucket", name: "b", capacity: 5, refillRate: 2, intervalMs: 1000 };
const cell: GcraRule = { algorithm: "gcra", name: "g", limit: 3, periodMs: 1000, burst: 2 };

describe("fixedWindow", () => {
  it("counts within an epoch-aligned window and resets at its end", () => {
    expect(fixedWindow(fixed, undefined, 2, 10_250)).toEqual({
      allowed: true,
      remaining: 1,
      resetAt: 11_000,
      retryAfterMs: 0,
      state: [10_000, 2],
      expiresAt: 11_000,
    });
    const denied = fixedWindow(fixed, [10_000, 2], 2, 10_900);
    expect(denied).toMatchObject({ allowed: false, remaining: 1, retryAfterMs: 100, state: [10_000, 2] });
    expect(fixedWindow(fixed, [10_000, 3], 3, 11_000)).toMatchObject({
      allowed: true,
      remaining: 0,
      state: [11_000, 3],
    });
  });

  it("never moves a key back in time when a caller's clock lags", () => {
    expect(fixedWindow(fixed, [11_000, 3], 1, 10_999)).toMatchObject({ allowed: false, retryAfterMs: 1001 });
  });
});

describe("slidingWindow", () => {
  it("weights the previous window by the part of it still inside the sliding window", () => {
    // 250 ms into the window: previous 8 weighs 8 × 750/1000 = 6; current 0 + 2 → 10 − 2 − 6 = 2 left.
    const e = slidingWindow(sliding, [9_000, 8, 0], 2, 10_250);
    expect(e).toMatchObject({ allowed: true, remaining: 2, state: [10_000, 2, 8], resetAt: 12_000 });
    // Cost 3 needs previous × (1000 − elapsed) ≤ (10 − 2 − 3) × 1000 → elapsed ≥ 375: wait 125 ms.
    expect(slidingWindow(sliding, [10_000, 2, 8], 3, 10_250)).toMatchObject({ allowed: false, retryAfterMs: 125 });
    expect(slidingWindow(sliding, [10_000, 2, 8], 3, 10_375).allowed).toBe(true);
  });

  it("waits into the next window when the current one alone is too full", () => {
    // current 9, cost 2 > 10 − 9: next window needs 9 × (1000 − e) ≤ 8 × 1000 → e ≥ 112 (1000 − floor(888.9)).
    const e = slidingWindow(sliding, [10_000, 9, 0], 2, 10_400);
    expect(e).toMatchObject({ allowed: false, retryAfterMs: 600 + 112 });
    expect(slidingWindow(sliding, [10_000, 9, 0], 2, 11_111).allowed).toBe(false);
    expect(slidingWindow(sliding, [10_000, 9, 0], 2, 11_112).allowed).toBe(true);
  });

  it("drops a previous window older than one window", () => {
    expect(slidingWindow(sliding, [8_000, 10, 10], 10, 10_001)).toMatchObject({
      allowed: true,
      state: [10_000, 10, 0],
    });
  });
});

describe("tokenBucket", () => {
  it("starts full and refills whole amounts per interval from the last refill", () => {
    expect(tokenBucket(bucket, undefined, 5, 1_000)).toMatchObject({ allowed: true, remaining: 0, state: [0, 1_000] });
    expect(tokenBucket(bucket, [0, 1_000], 1, 1_999)).toMatchObject({ allowed: false, retryAfterMs: 1 });
    // At 2500 one refill (2 tokens at 2000) has landed; the third token comes with the next, at 3000.
    expect(tokenBucket(bucket, [0, 1_000], 3, 2_500)).toMatchObject({
      allowed: false,
      remaining: 2,
      retryAfterMs: 500,
    });
    expect(tokenBucket(bucket, [0, 1_000], 3, 3_000)).toMatchObject({
      allowed: true,
      remaining: 1,
      state: [1, 3_000],
      resetAt: 5_000,
    });
  });

  it("restarts the refill clock of a full bucket, so a full state equals no state", () => {
    const idle = tokenBucket(bucket, [1, 0], 1, 1_000_000_000);
    expect(idle).toEqual(tokenBucket(bucket, undefined, 1, 1_000_000_000));
  });
});

describe("gcra", () => {
  it("spaces requests period/limit apart, in exact fractions of a millisecond", () => {
    // Emission interval 333⅓ ms, burst 2: two at once, then one per 333⅓ ms.
    const first = gcra(cell, undefined, 2, 0);
    expect(first).toMatchObject({ allowed: true, remaining: 0, state: [666, 2], resetAt: 667 });
    const third = gcra(cell, first.state, 1, 0);
    expect(third).toMatchObject({ allowed: false, retryAfterMs: 334 });
    expect(gcra(cell, first.state, 1, 333).allowed).toBe(false);
    expect(gcra(cell, first.state, 1, 334)).toMatchObject({ allowed: true, state: [1000, 0], remaining: 0 });
  });

  it("reports the whole burst as remaining once the TAT has passed", () => {
    expect(gcra(cell, [500, 1], 0, 501)).toMatchObject({ allowed: true, remaining: 2, resetAt: 501 });
  });
});

describe("every algorithm", () => {
  it("allows a cost exactly when it is at most the unconsumed remaining", () => {
    const cases = [
      (c: number, t: number) => fixedWindow(fixed, [10_000, 1], c, t),
      (c: number, t: number) => slidingWindow(sliding, [10_000, 3, 7], c, t),
      (c: number, t: number) => tokenBucket(bucket, [1, 10_000], c, t),
      (c: number, t: number) => gcra(cell, [10_300, 2], c, t),
    ];
    for (const run of cases) {
      for (let t = 10_000; t < 12_500; t += 37) {
        const left = run(0, t).remaining;
        for (let cost = 0; cost <= 10; cost++) expect(run(cost, t).allowed).toBe(cost <= left);
      }
    }
  });
});

describe("rule kinds", () => {
  it("each constructor's kind runs the algorithm that evaluate() looks up by name, and kindOf finds the kind", () => {
    const inputs = [
      rules.fixedWindow({ limit: 3, window: "1s" }),
      rules.slidingWindow({ limit: 3, window: "1s" }),
      rules.tokenBucket({ capacity: 3, refillRate: 1 }),
      rules.gcra({ limit: 3, period: "1s" }),
      rules.concurrency({ limit: 3 }),
    ];
    expect(inputs.map((input) => input.algorithm)).toEqual(ALGORITHMS);
    for (const input of inputs) {
      const rule = normalizeRule(input, input.algorithm, [])!;
      expect(evaluatorsOf([rule])[0]).toBe(input.kind.evaluate);
      expect(kindOf(rule)).toBe(input.kind);
    }
    expect(new Set(inputs.map((input) => input.kind.evaluate)).size).toBe(5);
  });
});
