import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { durableObjectStore } from "../../durable-objects/index.ts";
import {
  blockFor,
  ConfigError,
  createRateLimiter,
  fixedWindow,
  StoreError,
  settleCosts,
  shadow,
  tokenBucket,
} from "../../src/index.ts";

// RateLimiterObject (wrangler.toml's RATE_LIMITER) applies the plain algorithms and shadow rules; blockFor rules and
// settlements need FullRateLimiterObject and a store made with `full: true` (its own checks: compliance.test.ts).
describe("RateLimiterObject without the full features", () => {
  it("makes the limiter refuse blockFor rules and settle unless the store is made with full: true", () => {
    const store = durableObjectStore(env.RATE_LIMITER);
    const login = blockFor(fixedWindow({ limit: 2, window: "1m", name: "login" }), "1h");
    expect(() => createRateLimiter({ store, rules: [login] })).toThrow(ConfigError);
    expect(() => createRateLimiter({ store, rules: [login] })).toThrow(/full: true/);
    const settling = () =>
      createRateLimiter({ store, rules: [fixedWindow({ limit: 2, window: "1m" })], settle: settleCosts() });
    expect(settling).toThrow(ConfigError);
    expect(settling).toThrow(/FullRateLimiterObject/);
    const full = durableObjectStore(env.FULL_RATE_LIMITER, { full: true });
    expect(() => createRateLimiter({ store: full, rules: [login], settle: settleCosts() })).not.toThrow();
    expect(() => durableObjectStore(env.RATE_LIMITER, { full: "yes" as never })).toThrow(/full must be true or false/);
  });

  it("applies shadow rules: a shadow denial is reported and admitted, and consumes nothing", async () => {
    const limiter = createRateLimiter({
      store: durableObjectStore(env.RATE_LIMITER, { clock: "caller" }),
      rules: [
        fixedWindow({ limit: 5, window: "1h", name: "f" }),
        shadow(tokenBucket({ capacity: 1, refillRate: 1, interval: "1h", name: "s" })),
      ],
      prefix: "plain-shadow",
      clock: () => Date.UTC(2026, 0, 1),
      onStoreError: "throw",
    });
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const d = await limiter.limit("k");
      seen.push([d.allowed, d.remaining, ...d.rules.map((r) => [r.allowed, r.remaining])]);
    }
    expect(seen).toEqual([
      [true, 4, [true, 4], [true, 0]],
      [true, 3, [true, 3], [false, 0]],
      [true, 2, [true, 2], [false, 0]],
    ]);
  });

  it("refuses a blockFor rule or a settlement sent to it, naming FullRateLimiterObject, rather than applying it plain", async () => {
    // A store that claims the features over the plain class: the object itself refuses, and nothing is written.
    const limiter = createRateLimiter({
      store: durableObjectStore(env.RATE_LIMITER, { full: true }),
      rules: [blockFor(fixedWindow({ limit: 1, window: "1m", name: "login" }), "1h")],
      prefix: "plain-refuses",
      onStoreError: "throw",
    });
    const error = await limiter.limit("k").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(String((error as StoreError).message)).toMatch(/FullRateLimiterObject/);
    const plain = createRateLimiter({
      store: durableObjectStore(env.RATE_LIMITER, { full: true }),
      rules: [fixedWindow({ limit: 3, window: "1m", name: "f" })],
      prefix: "plain-refuses",
      settle: settleCosts(),
      onStoreError: "throw",
    });
    const d = await plain.limit("s", { cost: 2 });
    expect(d.remaining).toBe(1);
    await expect(d.settle!(0)).rejects.toThrow(/FullRateLimiterObject/);
    expect((await plain.peek("s")).remaining).toBe(1);
  });
});
