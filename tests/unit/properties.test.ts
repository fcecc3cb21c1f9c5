import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyRelease, applyRules, type KeyState } from "../../src/algorithms/apply.ts";
import { evaluatorsOf } from "../../src/algorithms/evaluators.ts";
import type {
  ConcurrencyRule,
  FixedWindowRule,
  GcraRule,
  Rule,
  SlidingWindowRule,
  TokenBucketRule,
} from "../../src/rules/types.ts";

// Property-based tests of the algorithms through `applyRules`, the reference every store mirrors.
// Deterministic: a fixed seed and a bounded number of runs per property.
const SEED = 20_261_122;
const RUNS = 1000;
const check = <Ts extends unknown[]>(property: fc.IProperty<Ts>) => fc.assert(property, { seed: SEED, numRuns: RUNS });

const T0 = 1_800_000_000_000; // a fixed epoch ms; windows are aligned to the epoch
const name = "r";

const fixedRule = fc
  .record({ limit: fc.integer({ min: 1, max: 20 }), windowMs: fc.integer({ min: 1, max: 5000 }) })
  .map((o): FixedWindowRule => ({ algorithm: "fixedWindow", name, ...o }));
const slidingRule = fc
  .record({ limit: fc.integer({ min: 1, max: 20 }), windowMs: fc.integer({ min: 1, max: 5000 }) })
  .map((o): SlidingWindowRule => ({ algorithm: "slidingWindow", name, ...o }));
const bucketRule = fc
  .record({
    capacity: fc.integer({ min: 1, max: 20 }),
    rate: fc.integer({ min: 1, max: 20 }),
    intervalMs: fc.integer({ min: 1, max: 2000 }),
  })
  .map(
    (o): TokenBucketRule => ({
      algorithm: "tokenBucket",
      name,
      capacity: o.capacity,
      refillRate: Math.min(o.rate, o.capacity),
      intervalMs: o.intervalMs,
    }),
  );
const gcraRule = fc
  .record({
    limit: fc.integer({ min: 1, max: 20 }),
    periodMs: fc.integer({ min: 1, max: 5000 }),
    burst: fc.integer({ min: 1, max: 20 }),
  })
  .map((o): GcraRule => ({ algorithm: "gcra", name, ...o }));
const concurrencyRule = fc
  .record({ limit: fc.integer({ min: 1, max: 10 }), leaseMs: fc.integer({ min: 1, max: 5000 }) })
  .map((o): ConcurrencyRule => ({ algorithm: "concurrency", name, ...o }));
const anyRule = fc.oneof(fixedRule, slidingRule, bucketRule, gcraRule, concurrencyRule);

/** Steps of a trace: time advance (often 0, sometimes long), a cost up to a bit above capacity, and for
 * concurrency whether to release the oldest lease held first. */
const steps = fc.array(
  fc.record({
    dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 6000 })),
    cost: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 22 })),
    release: fc.boolean(),
  }),
  { minLength: 1, maxLength: 60 },
);
const start = fc.integer({ min: 0, max: 10_000 }).map((offset) => T0 + offset);

interface Step {
  now: number;
  cost: number;
  allowed: boolean;
}

/** Runs a trace through one rule; returns each step and the states written. */
function run(
  rule: Rule,
  t: number,
  trace: { dt: number; cost: number; release: boolean }[],
  onStep?: (before: KeyState | undefined, now: number, cost: number) => void,
) {
  let state: KeyState | undefined;
  let now = t;
  const done: Step[] = [];
  const leases: { id: number; expiresAt: number }[] = [];
  for (const { dt, cost, release } of trace) {
    now += dt;
    if (rule.algorithm === "concurrency" && release && leases.length > 0) {
      const lease = leases.shift()!;
      state =
        applyRelease(
          { rules: [rule], evaluators: evaluatorsOf([rule]), leases: [{ rule: name, ...lease }], now },
          state,
        ) ?? state;
    }
    onStep?.(state, now, cost);
    const applied = applyRules({ rules: [rule], evaluators: evaluatorsOf([rule]), cost, now, consume: true }, state);
    const allowed = applied.outcomes[0]!.allowed;
    if (applied.write) state = applied.write;
    const leaseId = applied.outcomes[0]!.leaseId;
    if (leaseId !== undefined && rule.algorithm === "concurrency") {
      leases.push({ id: leaseId, expiresAt: now + rule.leaseMs });
    }
    done.push({ now, cost, allowed });
  }
  return done;
}

const admitted = (trace: Step[]) => trace.filter((s) => s.allowed && s.cost > 0);

describe("allowed requests never exceed the rule", () => {
  it("fixed window: at most `limit` per epoch-aligned window", () => {
    check(
      fc.property(fixedRule, start, steps, (rule, t, trace) => {
        const perWindow = new Map<number, number>();
        for (const s of admitted(run(rule, t, trace))) {
          const w = Math.floor(s.now / rule.windowMs);
          perWindow.set(w, (perWindow.get(w) ?? 0) + s.cost);
        }
        for (const used of perWindow.values()) expect(used).toBeLessThanOrEqual(rule.limit);
      }),
    );
  });

  it("sliding window: the weighted estimate stays ≤ limit after every admission; each fixed window ≤ limit", () => {
    check(
      fc.property(slidingRule, start, steps, (rule, t, trace) => {
        const w = rule.windowMs;
        const perWindow = new Map<number, number>();
        for (const s of admitted(run(rule, t, trace))) {
          const win = Math.floor(s.now / w);
          perWindow.set(win, (perWindow.get(win) ?? 0) + s.cost);
          // The estimate at s.now, computed from the admissions themselves (not from the state).
          const current = perWindow.get(win)!;
          const previous = perWindow.get(win - 1) ?? 0;
          const elapsed = s.now - win * w;
          expect(previous * (w - elapsed) + current * w).toBeLessThanOrEqual(rule.limit * w);
        }
      }),
    );
  });

  it("token bucket: in any interval, consumed ≤ capacity + refills that can fall within it", () => {
    check(
      fc.property(bucketRule, start, steps, (rule, t, trace) => {
        const got = admitted(run(rule, t, trace));
        for (let i = 0; i < got.length; i++) {
          let consumed = 0;
          for (let j = i; j < got.length; j++) {
            consumed += got[j]!.cost;
            const ticks = Math.ceil((got[j]!.now - got[i]!.now) / rule.intervalMs);
            expect(consumed).toBeLessThanOrEqual(rule.capacity + ticks * rule.refillRate);
          }
        }
      }),
    );
  });

  it("gcra: in any interval of length t, admitted ≤ burst + t·limit/period", () => {
    check(
      fc.property(gcraRule, start, steps, (rule, t, trace) => {
        const got = admitted(run(rule, t, trace));
        for (let i = 0; i < got.length; i++) {
          let consumed = 0;
          for (let j = i; j < got.length; j++) {
            consumed += got[j]!.cost;
            const span = got[j]!.now - got[i]!.now;
            // Multiplied by period to stay in integers: consumed·period ≤ burst·period + span·limit.
            expect(consumed * rule.periodMs).toBeLessThanOrEqual(rule.burst * rule.periodMs + span * rule.limit);
          }
        }
      }),
    );
  });

  it("concurrency: the weights of leases held (not expired, not released) never exceed limit", () => {
    check(
      fc.property(concurrencyRule, start, steps, (rule, t, trace) => {
        let state: KeyState | undefined;
        let now = t;
        const held: { id: number; expiresAt: number; weight: number }[] = [];
        for (const { dt, cost, release } of trace) {
          now += dt;
          if (release && held.length > 0) {
            const lease = held.shift()!;
            state =
              applyRelease(
                {
                  rules: [rule],
                  evaluators: evaluatorsOf([rule]),
                  leases: [{ rule: name, id: lease.id, expiresAt: lease.expiresAt }],
                  now,
                },
                state,
              ) ?? state;
          }
          const applied = applyRules(
            { rules: [rule], evaluators: evaluatorsOf([rule]), cost, now, consume: true },
            state,
          );
          if (applied.write) state = applied.write;
          const id = applied.outcomes[0]!.leaseId;
          if (id !== undefined) held.push({ id, expiresAt: now + rule.leaseMs, weight: cost });
          const live = held.filter((l) => l.expiresAt > now).reduce((sum, l) => sum + l.weight, 0);
          expect(live).toBeLessThanOrEqual(rule.limit);
        }
      }),
    );
  });
});

describe("every algorithm, every state reached by a random trace", () => {
  /** Calls `visit` with every state a trace goes through, before each step. */
  const visiting = (visit: (rule: Rule, state: KeyState | undefined, now: number, cost: number) => void) =>
    fc.property(anyRule, start, steps, (rule, t, trace) => {
      run(rule, t, trace, (state, now, cost) => visit(rule, state, now, cost));
    });

  it("a denial, a peek and a cost of 0 never change state (write is undefined)", () => {
    check(
      visiting((rule, state, now, cost) => {
        const applied = applyRules(
          { rules: [rule], evaluators: evaluatorsOf([rule]), cost, now, consume: true },
          state,
        );
        if (!applied.outcomes[0]!.allowed || cost === 0) expect(applied.write).toBeUndefined();
        expect(
          applyRules({ rules: [rule], evaluators: evaluatorsOf([rule]), cost, now, consume: false }, state).write,
        ).toBeUndefined();
      }),
    );
  });

  it("retryAfterMs is exact: still denied at now + retry − 1, allowed at now + retry, when nothing else happens", () => {
    check(
      visiting((rule, state, now, cost) => {
        const { allowed, retryAfterMs } = applyRules(
          { rules: [rule], evaluators: evaluatorsOf([rule]), cost, now, consume: true },
          state,
        ).outcomes[0]!;
        if (allowed) return expect(retryAfterMs).toBe(0);
        if (!Number.isFinite(retryAfterMs)) return;
        expect(retryAfterMs).toBeGreaterThanOrEqual(1);
        expect(
          applyRules(
            { rules: [rule], evaluators: evaluatorsOf([rule]), cost, now: now + retryAfterMs - 1, consume: true },
            state,
          ).outcomes[0]!.allowed,
        ).toBe(false);
        expect(
          applyRules(
            { rules: [rule], evaluators: evaluatorsOf([rule]), cost, now: now + retryAfterMs, consume: true },
            state,
          ).outcomes[0]!.allowed,
        ).toBe(true);
      }),
    );
  });

  it("retryAfterMs is Infinity exactly when the cost exceeds the rule's capacity", () => {
    check(
      visiting((rule, state, now, cost) => {
        const { allowed, retryAfterMs } = applyRules(
          { rules: [rule], evaluators: evaluatorsOf([rule]), cost, now, consume: true },
          state,
        ).outcomes[0]!;
        const capacity =
          rule.algorithm === "tokenBucket" ? rule.capacity : rule.algorithm === "gcra" ? rule.burst : rule.limit;
        expect(!allowed && retryAfterMs === Number.POSITIVE_INFINITY).toBe(cost > capacity);
      }),
    );
  });

  it("allowed ⇔ cost ≤ remaining as a cost-0 look shows it", () => {
    check(
      visiting((rule, state, now, cost) => {
        const { remaining } = applyRules(
          { rules: [rule], evaluators: evaluatorsOf([rule]), cost: 0, now, consume: false },
          state,
        ).outcomes[0]!;
        const { allowed } = applyRules(
          { rules: [rule], evaluators: evaluatorsOf([rule]), cost, now, consume: true },
          state,
        ).outcomes[0]!;
        expect(allowed).toBe(cost <= remaining);
      }),
    );
  });

  it("states stay short arrays of safe integers; outcomes are whole numbers", () => {
    check(
      visiting((rule, state, now, cost) => {
        const applied = applyRules(
          { rules: [rule], evaluators: evaluatorsOf([rule]), cost, now, consume: true },
          state,
        );
        const o = applied.outcomes[0]!;
        for (const n of [o.remaining, o.resetAt]) expect(Number.isSafeInteger(n)).toBe(true);
        expect(Number.isSafeInteger(o.retryAfterMs) || o.retryAfterMs === Number.POSITIVE_INFINITY).toBe(true);
        expect(o.remaining).toBeGreaterThanOrEqual(0);
        const written = applied.write?.rules[name];
        if (!written) return;
        expect(written.every((n) => Number.isSafeInteger(n))).toBe(true);
        expect(Number.isSafeInteger(applied.write!.expiresAt)).toBe(true);
        // concurrency: [nextId, then one triple per live lease], and live leases weigh ≥ 1 each
        const max = {
          fixedWindow: 2,
          slidingWindow: 3,
          tokenBucket: 2,
          gcra: 2,
          concurrency: 1 + 3 * (rule as ConcurrencyRule).limit,
        }[rule.algorithm];
        expect(written.length).toBeLessThanOrEqual(max);
      }),
    );
  });
});

describe("several rules on one key", () => {
  it("all or nothing: consumed only when every rule allows, and then exactly as each rule alone would", () => {
    check(
      fc.property(fc.array(anyRule, { minLength: 2, maxLength: 3 }), start, steps, (raw, t, trace) => {
        const rules = raw.map((r, i) => ({ ...r, name: `r${i}` }));
        let state: KeyState | undefined;
        let now = t;
        for (const { dt, cost } of trace) {
          now += dt;
          const together = applyRules({ rules, evaluators: evaluatorsOf(rules), cost, now, consume: true }, state);
          const alone = rules.map((r) =>
            applyRules(
              { rules: [r], evaluators: evaluatorsOf([r]), cost, now, consume: true },
              state && { ...state, rules: { [r.name]: state.rules[r.name]! } },
            ),
          );
          const every = alone.every((a) => a.outcomes[0]!.allowed);
          expect(together.outcomes.map((o) => o.allowed)).toEqual(alone.map((a) => a.outcomes[0]!.allowed));
          if (every && cost > 0) {
            for (const [i, r] of rules.entries())
              expect(together.write!.rules[r.name]).toEqual(alone[i]!.write!.rules[r.name]);
          } else {
            expect(together.write).toBeUndefined();
          }
          if (together.write) state = together.write;
        }
      }),
    );
  });
});
