import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { overAdmissionBound } from "../../bench/skew-bound.ts";
import { applyRules, type KeyState } from "../../src/algorithms/apply.ts";
import { evaluatorsOf } from "../../src/algorithms/evaluators.ts";
import type { Rule } from "../../src/rules/types.ts";

// docs/consistency.md states these bounds: callers whose clocks are up to `d` ms apart, deciding on one key in any
// order during a real-time interval of length L, admit at most what one clock admits in the worst case over an
// interval of length L + d. The properties below check the stated formulas exactly against the reference
// algorithms (which every store mirrors), for any interleaving, any costs and any history before the interval.

const step = fc.record({
  dt: fc.integer({ min: 0, max: 40 }),
  ahead: fc.boolean(),
  cost: fc.integer({ min: 1, max: 3 }),
});

const rules: Record<string, fc.Arbitrary<Rule>> = {
  fixedWindow: fc
    .record({ limit: fc.integer({ min: 1, max: 6 }), windowMs: fc.integer({ min: 1, max: 120 }) })
    .map((r) => ({ algorithm: "fixedWindow", name: "r", ...r })),
  slidingWindow: fc
    .record({ limit: fc.integer({ min: 1, max: 6 }), windowMs: fc.integer({ min: 1, max: 120 }) })
    .map((r) => ({ algorithm: "slidingWindow", name: "r", ...r })),
  tokenBucket: fc
    .record({
      capacity: fc.integer({ min: 1, max: 6 }),
      refillRate: fc.integer({ min: 1, max: 6 }),
      intervalMs: fc.integer({ min: 1, max: 120 }),
    })
    .filter((r) => r.refillRate <= r.capacity)
    .map((r) => ({ algorithm: "tokenBucket", name: "r", ...r })),
  gcra: fc
    .record({
      limit: fc.integer({ min: 1, max: 6 }),
      periodMs: fc.integer({ min: 1, max: 120 }),
      burst: fc.integer({ min: 1, max: 6 }),
    })
    .map((r) => ({ algorithm: "gcra", name: "r", ...r })),
};

/** Runs a trace on one shared key: the lagging caller reads real time, the ahead one real time + d. */
function admittedInInterval(rule: Rule, skewMs: number, before: Step[], during: Step[]) {
  let real = 5_000; // not aligned to any window, so windows start anywhere relative to the trace
  let state: KeyState | undefined;
  const run = (s: Step) => {
    real += s.dt;
    const applied = applyRules(
      {
        rules: [rule],
        evaluators: evaluatorsOf([rule]),
        cost: s.cost,
        now: s.ahead ? real + skewMs : real,
        consume: true,
      },
      state,
    );
    state = applied.write ?? state;
    return applied.outcomes[0]!.allowed ? s.cost : 0;
  };
  for (const s of before) run(s);
  let admitted = 0;
  let start = 0;
  during.forEach((s, i) => {
    admitted += run(s);
    if (i === 0) start = real;
  });
  return { admitted, intervalMs: real - start };
}
type Step = { dt: number; ahead: boolean; cost: number };

describe("clock skew: the over-admission bounds of docs/consistency.md", () => {
  for (const [algorithm, rule] of Object.entries(rules)) {
    it(`${algorithm}: callers d ms apart admit at most the one-clock bound over L + d`, () => {
      fc.assert(
        fc.property(
          rule,
          fc.integer({ min: 0, max: 300 }),
          fc.array(step, { maxLength: 30 }),
          fc.array(step, { minLength: 1, maxLength: 60 }),
          (r, skewMs, before, during) => {
            const { admitted, intervalMs } = admittedInInterval(r, skewMs, before, during);
            expect(admitted).toBeLessThanOrEqual(overAdmissionBound(r, intervalMs + skewMs));
          },
        ),
        { numRuns: 3000 },
      );
    });
  }

  it("the bounds are reached: a burst from two clocks 5 s apart, one after the other", () => {
    const burst = (rule: Rule, aheadFirst: boolean, at: number) => {
      let state: KeyState | undefined;
      let admitted = 0;
      for (const ahead of aheadFirst ? [true, false] : [false, true]) {
        for (let i = 0; i < 300; i++) {
          const applied = applyRules(
            { rules: [rule], evaluators: evaluatorsOf([rule]), cost: 1, now: ahead ? at + 5000 : at, consume: true },
            state,
          );
          state = applied.write ?? state;
          if (applied.outcomes[0]!.allowed) admitted++;
        }
      }
      return admitted;
    };
    const T = 1_800_000_030_000; // 30 s into a minute
    const gcra: Rule = { algorithm: "gcra", name: "g", limit: 100, periodMs: 60_000, burst: 100 };
    expect([burst(gcra, false, T), overAdmissionBound(gcra, 5000)]).toEqual([108, 108]);
    expect(burst(gcra, true, T)).toBe(100);
    const bucket: Rule = { algorithm: "tokenBucket", name: "b", capacity: 100, refillRate: 5, intervalMs: 3000 };
    // The refill interval starts when the lagging caller takes from a full bucket: one tick inside 5 s.
    expect(burst(bucket, false, T)).toBe(105);
    expect(overAdmissionBound(bucket, 5000)).toBe(110);
    const fixed: Rule = { algorithm: "fixedWindow", name: "f", limit: 100, windowMs: 60_000 };
    expect(burst(fixed, false, T)).toBe(100); // both clocks inside one window
    expect([burst(fixed, false, T + 27_500), overAdmissionBound(fixed, 5000)]).toEqual([200, 200]); // a boundary between them
    const sliding: Rule = { algorithm: "slidingWindow", name: "s", limit: 20, windowMs: 2000 };
    expect(burst(sliding, false, T)).toBe(40);
    expect(overAdmissionBound(sliding, 5000)).toBe(80);
    expect(overAdmissionBound(sliding, 0)).toBe(20);
  });
});
