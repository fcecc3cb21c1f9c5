import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prefetchQuota } from "../../src/index.ts";
import { type RuleSpec, ruleInputs } from "../fuzz/trace.ts";
import { world } from "./prefetch-world.ts";

// Rules small enough that traces reach their limits, and durations from 1 ms to a minute.
const ms = fc.constantFrom(1, 7, 100, 999, 1000, 10_000, 60_000, 60_000, 3_600_000);
const small = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }));
const spec: fc.Arbitrary<RuleSpec> = fc.oneof(
  fc.record({ kind: fc.constantFrom("fixed" as const, "sliding" as const), limit: small, ms }),
  small.chain((capacity) =>
    fc.record({
      kind: fc.constant("bucket" as const),
      capacity: fc.constant(capacity),
      rate: fc.integer({ min: 1, max: capacity }),
      ms,
    }),
  ),
  fc.record({ kind: fc.constant("gcra" as const), limit: small, ms, burst: small }),
);
/** Steps of a trace whose traffic runs at a steady pace (`gap` ms apart on average), with bursts and jumps. */
const steps = (gap: number) =>
  fc.array(
    fc.record({
      isolate: fc.integer({ min: 0, max: 3 }),
      key: fc.constantFrom("a", "a", "a", "b"),
      cost: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, fc.integer({ min: 0, max: 4 })),
      advance: fc.oneof(
        { weight: 12, arbitrary: fc.integer({ min: 0, max: 2 * gap }) },
        { weight: 2, arbitrary: fc.constantFrom(0, 1) },
        fc.integer({ min: 0, max: 90_000 }),
        // To the next boundary of the first rule's window (or period), give or take 1 ms: -1, -2 or -3.
        { weight: 2, arbitrary: fc.constantFrom(-1, -2, -3) },
      ),
      together: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, fc.integer({ min: 2, max: 3 })),
    }),
    { minLength: 1, maxLength: 200, size: "max" },
  );
const trace = fc.record({
  rules: fc.array(spec, { minLength: 1, maxLength: 2 }),
  isolates: fc.integer({ min: 1, max: 4 }),
  // Large shares too, so that claims are large next to the small limits and windows end with units held.
  maxShare: fc.constantFrom(0.1, 0.5, 1),
  offset: fc.integer({ min: 0, max: 59_999 }),
  steps: fc.constantFrom(1, 10, 100, 1000).chain(steps),
});

describe("prefetching never admits what the exact limiter would refuse (random multi-isolate traces)", () => {
  let local = 0;

  it("admitted requests, replayed at their times, pass the exact limiter; the store is charged at least as much; local decisions are conservative", async () => {
    await fc.assert(
      fc.asyncProperty(trace, async ({ rules, isolates, maxShare, offset, steps }) => {
        const w = world(ruleInputs(rules), isolates, { prefetch: prefetchQuota({ maxShare }) });
        w.at(offset);
        for (const s of steps) {
          if (s.advance >= 0) w.advance(s.advance);
          else {
            const period = rules[0]!.ms;
            w.advance(period - (w.now() % period) + s.advance + 2);
          }
          // Requests of one isolate at the same time run together, so some wait on a claim in flight.
          const i = s.isolate % isolates;
          await Promise.all([...Array(s.together)].map(() => w.limit(i, s.key, s.cost)));
        }
        local += w.counts().local;
      }),
      { numRuns: Number(process.env.PREFETCH_RUNS ?? 500) },
    );
  });

  it("held units do serve decisions on these traces (the property above is not vacuous)", async () => {
    await fc.assert(
      fc.asyncProperty(trace, async ({ rules, isolates, maxShare, steps }) => {
        const w = world(ruleInputs(rules), isolates, { prefetch: prefetchQuota({ maxShare }) });
        for (const s of steps) {
          w.advance(s.advance);
          await w.limit(s.isolate % isolates, s.key, s.cost);
        }
        local += w.counts().local;
      }),
      { numRuns: 100, seed: 7 },
    );
    expect(local).toBeGreaterThan(1000);
  });
});
