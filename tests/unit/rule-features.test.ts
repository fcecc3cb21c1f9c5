import { describe, expect, it } from "vitest";
import {
  blockFor,
  ConfigError,
  concurrency,
  createRateLimiter,
  type Duration,
  fallbackTo,
  fixedWindow,
  gcra,
  prefetchQuota,
  type RuleInput,
  shadow,
  slidingWindow,
  tenantLimits,
} from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { manualClock } from "../../src/testing/clock.ts";
import { remoteMemory } from "../fuzz/trace.ts";

const T0 = 1_700_000_000_000;
const login = () => fixedWindow({ limit: 2, window: "15m", name: "login" });

/** A remote memory store that counts its `apply` calls. */
function countingStore() {
  const store = remoteMemory();
  let calls = 0;
  const apply: typeof store.apply = (request) => {
    calls++;
    return store.apply(request);
  };
  return { store: { ...store, apply }, calls: () => calls };
}

function problemsOf(make: () => unknown): readonly string[] {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("shadow() and blockFor(): misuse", () => {
  it("refuses what is not a rule input", () => {
    for (const bad of [undefined, null, {}, "fixedWindow", { algorithm: "fixedWindow" }]) {
      expect(problemsOf(() => shadow(bad as unknown as RuleInput))).toEqual([
        `shadow(rule): expected a rule such as fixedWindow({ limit: 5, window: "15m" }), got ${bad === undefined ? "undefined" : bad === null ? "null" : typeof bad === "string" ? '"fixedWindow"' : "object"}`,
      ]);
      expect(problemsOf(() => blockFor(bad as unknown as RuleInput, "1h"))[0]).toMatch(
        /^blockFor\(rule\): expected a rule/,
      );
    }
  });

  it("refuses concurrency rules, saying why", () => {
    expect(problemsOf(() => shadow(concurrency({ limit: 5 })))).toEqual([
      "shadow(rule): not on a concurrency() rule: a lease taken without ever denying would still need its release",
    ]);
    expect(problemsOf(() => blockFor(concurrency({ limit: 5 }), "1m"))).toEqual([
      "blockFor(rule): not on a concurrency() rule: it denies while requests are in flight, which is no breach to block for",
    ]);
  });

  it("refuses a rule wrapped twice, and shadow with blockFor either way round", () => {
    expect(problemsOf(() => shadow(shadow(login())))).toEqual(["shadow(rule): the rule is a shadow rule already"]);
    expect(problemsOf(() => blockFor(blockFor(login(), "1h"), "2h"))).toEqual([
      "blockFor(rule): the rule is a blockFor rule already",
    ]);
    const both =
      "a shadow rule never denies, so it never starts a block: use shadow(rule) to watch a rule, blockFor(rule, duration) to enforce one with a block, not both";
    expect(problemsOf(() => shadow(blockFor(login(), "1h")))).toEqual([
      `shadow(rule): the rule is a blockFor rule; ${both}`,
    ]);
    expect(problemsOf(() => blockFor(shadow(login()), "1h"))).toEqual([
      `blockFor(rule): the rule is a shadow rule; ${both}`,
    ]);
  });

  it("checks the duration as a rule's own durations are checked, with every other problem", () => {
    const problems = problemsOf(() =>
      createRateLimiter({
        store: memoryStore(),
        rules: [
          blockFor(login(), 0),
          blockFor(fixedWindow({ limit: 2, window: "1m", name: "b" }), "soon" as Duration),
          blockFor(fixedWindow({ limit: 2, window: "1m", name: "c" }), 11 * 365 * 86_400_000),
          blockFor(fixedWindow({ limit: 0, window: "1m", name: "d" }), "1h"),
        ],
      }),
    );
    expect(problems).toEqual([
      "rules[0] (fixedWindow): blockFor must be at least 1ms, got 0",
      'rules[1] (fixedWindow): blockFor: "soon" is not a duration; use milliseconds or a string like "500ms", "10s", "1m", "1h", "1d"',
      "rules[2] (fixedWindow): blockFor must be at most 10 years",
      "rules[3] (fixedWindow): limit must be a whole number from 1 to 1000000000, got 0",
    ]);
  });

  it("is refused by a store that does not list the feature, as an algorithm it lacks would be", () => {
    const { features: _features, ...rest } = memoryStore();
    const problems = problemsOf(() =>
      createRateLimiter({ store: rest, rules: [shadow(login()), blockFor(gcra({ limit: 1, period: "1s" }), "1m")] }),
    );
    expect(problems).toEqual([
      'rules[0] (fixedWindow): the memory store does not apply shadow() rules (its features do not list "shadow"); a Durable Object store applies them when made with durableObjectStore(namespace, { full: true }) over FullRateLimiterObject; otherwise use the memory, Upstash or DynamoDB store, or drop the wrapper',
      'rules[1] (gcra): the memory store does not apply blockFor() rules (its features do not list "blockFor"); a Durable Object store applies them when made with durableObjectStore(namespace, { full: true }) over FullRateLimiterObject; otherwise use the memory, Upstash or DynamoDB store, or drop the wrapper',
    ]);
  });

  it("is refused by a fallback store that does not list the feature", () => {
    const { features: _features, ...rest } = memoryStore();
    const problems = problemsOf(() =>
      createRateLimiter({
        store: remoteMemory(),
        rules: [blockFor(login(), "1h")],
        onStoreError: fallbackTo({ ...rest, name: "plain" }),
      }),
    );
    expect(problems).toEqual(["onStoreError: fallbackTo(store): the plain store does not apply blockFor() rules"]);
    expect(() =>
      createRateLimiter({ store: remoteMemory(), rules: [shadow(login())], onStoreError: fallbackTo(memoryStore()) }),
    ).not.toThrow();
  });
});

describe("shadow() and blockFor(): the validated rules", () => {
  it("carry the feature as data, with the wrapped rule's options and name", () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      rules: [shadow(slidingWindow({ limit: 50, window: "1m" })), blockFor(login(), "1h")],
    });
    expect(limiter.config.rules).toEqual([
      { algorithm: "slidingWindow", name: "sliding-50-per-1m", limit: 50, windowMs: 60_000, shadow: true },
      { algorithm: "fixedWindow", name: "login", limit: 2, windowMs: 900_000, blockMs: 3_600_000 },
    ]);
  });

  it("keep their feature under a call's own quota (tenants)", async () => {
    const clock = manualClock(T0);
    const limiter = createRateLimiter({
      store: memoryStore(),
      rules: [blockFor(login(), "1h"), shadow(fixedWindow({ limit: 9, window: "15m", name: "trial" }))],
      tenants: tenantLimits(),
      clock,
    });
    const limits = { login: 1, trial: 1 };
    const first = await limiter.limit("k", { limits });
    expect([first.allowed, first.rules[0]!.limit, first.rules[1]!.limit]).toEqual([true, 1, 1]);
    const second = await limiter.limit("k", { limits: { trial: 1 } });
    // login (quota 2) allows; the shadow rule (quota 1) would deny and is only reported.
    expect([second.allowed, second.rules[1]!.allowed, second.rules[1]!.shadow]).toEqual([true, false, true]);
    const breach = await limiter.limit("k", { limits });
    expect([breach.allowed, breach.retryAfterMs]).toEqual([false, 3_600_000]);
    clock.advance(1_800_000);
    // The window is new, the block is not over.
    expect((await limiter.limit("k")).retryAfterMs).toBe(1_800_000);
  });

  it("let prefetching and the deny cache pass through: every decision goes to the store", async () => {
    const wide = () => fixedWindow({ limit: 100, window: "1m", name: "login" });
    for (const rule of [shadow(wide()), blockFor(wide(), "1h")]) {
      const { store: counting, calls } = countingStore();
      const limiter = createRateLimiter({
        store: counting,
        rules: [rule, fixedWindow({ limit: 1000, window: "1m", name: "wide" })],
        prefetch: prefetchQuota({ maxShare: 0.5 }),
        clock: () => T0,
      });
      for (let i = 0; i < 20; i++) await limiter.limit("k");
      expect(calls()).toBe(20);
    }
    // Denials too: the deny cache does not answer for a limiter with such rules (its bounds know neither).
    for (const rule of [shadow(login()), blockFor(login(), "1h")]) {
      const { store: counting, calls } = countingStore();
      const limiter = createRateLimiter({
        store: counting,
        rules: [rule, fixedWindow({ limit: 2, window: "15m", name: "api" })],
        clock: () => T0,
      });
      const reasons = [];
      for (let i = 0; i < 5; i++) reasons.push((await limiter.limit(`k${rule.kind.feature}`)).reason);
      expect([calls(), reasons]).toEqual([5, ["allowed", "allowed", "limited", "limited", "limited"]]);
    }
  });
});
