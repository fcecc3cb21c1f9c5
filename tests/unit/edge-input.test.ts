import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { rateLimiter } from "../../hono/index.ts";
import { rateLimitHeaders } from "../../src/http/headers.ts";
import { clientIp, ipKey } from "../../src/http/identity.ts";
import { deniedResponse } from "../../src/http/responses.ts";
import {
  ConfigError,
  concurrency,
  createRateLimiter,
  type DecisionEvent,
  fixedWindow,
  gcra,
  type RateLimiter,
  type RuleInput,
  slidingWindow,
  tokenBucket,
} from "../../src/index.ts";
import { storageKey } from "../../src/storage-key.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { rateLimit } from "../../vercel/index.ts";
import { flakyStore } from "../support/flaky-store.ts";

// Bad input at the edges: what reaches the limiter from a request. Each case ends in a clear error
// (a ConfigError, a rejected promise, never a synchronous throw from limit()) or a documented fallback.
const NOW = 1_700_000_000_000;
const RULES: Record<string, RuleInput> = {
  fixedWindow: fixedWindow({ limit: 5, window: "1m" }),
  slidingWindow: slidingWindow({ limit: 5, window: "1m" }),
  tokenBucket: tokenBucket({ capacity: 5, refillRate: 1, interval: "1s" }),
  gcra: gcra({ limit: 5, period: "1m" }),
  concurrency: concurrency({ limit: 5 }),
};
const STORES = { memory: () => memoryStore(), "remote (reference)": () => flakyStore() };
const limiterWith = (rule: RuleInput, store: keyof typeof STORES, onDecision?: (e: DecisionEvent) => void) =>
  createRateLimiter({ store: STORES[store](), rules: [rule], clock: () => NOW, ...(onDecision ? { onDecision } : {}) });

describe("keys with control characters and odd Unicode", () => {
  const keys = ["\u0000", "a\u0000b", "line\r\nbreak", "bell\u0007", "tab\tkey", "del\u007f", "😀", " "];

  it.each(Object.keys(STORES) as (keyof typeof STORES)[])("are ordinary, separate keys (%s store)", async (store) => {
    const events: DecisionEvent[] = [];
    const limiter = limiterWith(fixedWindow({ limit: 1, window: "1m" }), store, (e) => events.push(e));
    for (const key of keys) expect(await limiter.limit(key)).toMatchObject({ allowed: true, remaining: 0 });
    for (const key of keys) expect((await limiter.limit(key)).allowed).toBe(false);
    expect(new Set(events.map((e) => e.keyHash)).size).toBe(keys.length);
    expect(events.every((e) => /^[0-9a-f]{8}$/.test(e.keyHash))).toBe(true);
    await limiter.reset("a\u0000b");
    expect((await limiter.limit("a\u0000b")).allowed).toBe(true);
    expect((await limiter.limit("a")).allowed).toBe(true); // not the same key as "a\0b"
  });

  it("remote stores keep short keys as they are and hash long ones to a bounded name", async () => {
    expect(await storageKey("a\u0000b\r\n")).toBe("a\u0000b\r\n");
    const long = await storageKey(`\u0000${"\u0007".repeat(10_000)}`);
    expect(long.slice(0, 66)).toBe(`\\#\u0000${"\u0007".repeat(63)}`);
    expect(long.slice(66)).toMatch(/^#sha256:[0-9a-f]{64}$/);
    expect(new TextEncoder().encode(long).length).toBeLessThan(200);
  });

  it("a key with a lone surrogate is a ConfigError, as a rejected promise (UTF-8 would merge it with others)", async () => {
    for (const store of Object.keys(STORES) as (keyof typeof STORES)[]) {
      const limiter = limiterWith(RULES.fixedWindow!, store);
      for (const key of ["\ud800", "s\udc00", "\ude00\ud83d"]) {
        await expect(limiter.limit(key)).rejects.toBeInstanceOf(ConfigError);
        await expect(limiter.reset(key)).rejects.toThrow(/key must be a non-empty string of well-formed Unicode/);
      }
    }
  });

  it("an empty or non-string key is a ConfigError, as a rejected promise", async () => {
    for (const store of Object.keys(STORES) as (keyof typeof STORES)[]) {
      const limiter = limiterWith(RULES.fixedWindow!, store);
      for (const key of ["", undefined, null, 42, {}]) {
        const pending = limiter.limit(key as string);
        await expect(pending).rejects.toBeInstanceOf(ConfigError);
        await expect(limiter.peek(key as string)).rejects.toThrow(/key must be a non-empty string/);
      }
    }
  });

  it("IP headers with control characters are not addresses: the key is missing, never a garbage key", () => {
    const request = (value: string) => new Request("https://x/", { headers: { "cf-connecting-ip": value } });
    expect(clientIp(request("1.2.3.4\u0007"), { platform: "cloudflare" })).toBeUndefined();
    expect(clientIp(request("1.2.3.4\u007f"), { platform: "cloudflare" })).toBeUndefined();
    expect(clientIp(request("\t1.2.3.4 "), { platform: "cloudflare" })).toBe("1.2.3.4");
    // Fetch's Headers refuse NUL, CR and LF; a non-Fetch header source (HasHeaders) may still pass them.
    expect(() => request("1.2.3.4\u0000")).toThrow(TypeError);
    const raw = (value: string) => ({ headers: { get: () => value } });
    expect(clientIp(raw("1.2.3.4\r\nX-Injected: 1"), { platform: "vercel" })).toBeUndefined();
    expect(clientIp(raw("1.2.3.4\u0000"), { platform: "proxy" })).toBeUndefined();
    expect(clientIp(raw(","), { platform: "vercel" })).toBeUndefined();
    expect(clientIp(raw(`${"9".repeat(100_000)}`), { platform: "cloudflare" })).toBeUndefined();
    expect(ipKey("::ffff:1.2.3.4\u0000")).toBeUndefined();
  });
});

describe("huge costs", () => {
  const cases = Object.entries(RULES).flatMap(([algorithm, rule]) =>
    (Object.keys(STORES) as (keyof typeof STORES)[]).map((store) => [algorithm, store, rule] as const),
  );

  it.each(cases)(
    "%s, %s store: above capacity is exceeds-capacity, never an exception, nothing consumed",
    async (_, store, rule) => {
      const limiter = limiterWith(rule, store);
      await limiter.limit("k");
      for (const cost of [6, 1_000_000, Number.MAX_SAFE_INTEGER]) {
        const decision = await limiter.limit("k", { cost });
        expect(decision).toMatchObject({
          allowed: false,
          reason: "exceeds-capacity",
          retryAfterMs: Number.POSITIVE_INFINITY,
          degraded: false,
          remaining: 4,
        });
        expect(await limiter.peek("k", { cost })).toMatchObject({ allowed: false, reason: "exceeds-capacity" });
        // No Retry-After for a request that can never succeed; the response is a plain 429.
        expect(rateLimitHeaders(decision)["Retry-After"]).toBeUndefined();
        const response = deniedResponse(decision);
        expect(response.status).toBe(429);
        expect((await response.json()).detail).toMatch(/can never succeed/);
      }
      expect(await limiter.limit("k", { cost: 4 })).toMatchObject({ allowed: true, remaining: 0 });
    },
  );

  it("costs that are not whole numbers ≥ 0 within 2^53 are a ConfigError (a rejected promise)", async () => {
    for (const store of Object.keys(STORES) as (keyof typeof STORES)[]) {
      const limiter = limiterWith(RULES.gcra!, store);
      for (const cost of [Number.MAX_SAFE_INTEGER + 1, 2 ** 64, Number.POSITIVE_INFINITY, -1, 1.5, Number.NaN, "3"]) {
        const pending = limiter.limit("k", { cost: cost as number });
        await expect(pending).rejects.toBeInstanceOf(ConfigError);
        await expect(pending).rejects.toThrow(/cost must be a whole number ≥ 0/);
      }
      expect((await limiter.peek("k")).remaining).toBe(5); // nothing was consumed
    }
  });

  it("a cost parsed from a header: NaN is a ConfigError; a missing header is Number(null) = 0, a free look", async () => {
    const limiter = limiterWith(fixedWindow({ limit: 1, window: "1m" }), "memory");
    const costOf = (request: Request) => Number(request.headers.get("x-cost"));
    const garbage = new Request("https://x/", { headers: { "x-cost": "lots" } });
    await expect(limiter.limit("k", { cost: costOf(garbage) })).rejects.toThrow(/cost must be .* got NaN/);
    // The pitfall: Number(null) and Number("") are 0, and cost 0 only looks. Parse and default explicitly.
    const missing = new Request("https://x/");
    for (let i = 0; i < 3; i++) expect((await limiter.limit("k", { cost: costOf(missing) })).allowed).toBe(true);
    expect((await limiter.peek("k")).remaining).toBe(1);
  });
});

describe("adapters: no client address, a garbage address, a bad cost", () => {
  const limiterOf = (): RateLimiter =>
    createRateLimiter({
      store: memoryStore(),
      rules: [fixedWindow({ limit: 1, window: "1m", name: "api" })],
      clock: () => NOW,
    });
  const noAddress = () => new Request("https://x/");
  const badAddress = () =>
    new Request("https://x/", {
      headers: { "cf-connecting-ip": "evil\u0007", "x-real-ip": "not an ip", "x-forwarded-for": "," },
    });

  it("vercel: without x-real-ip the key is 'unknown' (default), or a 400, or skipped", async () => {
    for (const request of [noAddress, badAddress]) {
      const limiter = limiterOf();
      expect(await rateLimit(request(), { limiter })).toMatchObject({ key: "unknown", response: undefined });
      expect((await rateLimit(request(), { limiter })).response?.status).toBe(429);
      expect((await rateLimit(request(), { limiter, missingKey: "deny" })).response?.status).toBe(400);
      expect(await rateLimit(request(), { limiter, missingKey: "skip" })).toMatchObject({
        key: undefined,
        decision: undefined,
        response: undefined,
      });
    }
  });

  it.each(["cloudflare", "vercel", "proxy"] as const)(
    "hono (%s): no address shares 'unknown', deny is 400, skip passes",
    async (platform) => {
      for (const request of [noAddress, badAddress]) {
        const app = new Hono();
        app.use("/shared", rateLimiter({ limiter: limiterOf(), platform }));
        app.use("/deny", rateLimiter({ limiter: limiterOf(), platform, missingKey: "deny" }));
        app.use("/skip", rateLimiter({ limiter: limiterOf(), platform, missingKey: "skip" }));
        app.get("*", (c) => c.text("ok"));
        const call = (path: string) => app.request(new Request(`https://x${path}`, request()));
        expect((await call("/shared")).status).toBe(200);
        expect((await call("/shared")).status).toBe(429);
        expect((await call("/deny")).status).toBe(400);
        expect((await call("/skip")).status).toBe(200);
        expect((await call("/skip")).status).toBe(200);
      }
    },
  );

  it("a cost function returning NaN: the ConfigError reaches the framework's error path, named", async () => {
    const app = new Hono();
    let caught: unknown;
    app.onError((error, c) => {
      caught = error;
      return c.text("bad cost", 400);
    });
    app.use(rateLimiter({ limiter: limiterOf(), key: () => "k", cost: (c) => Number(c.req.header("x-cost")) }));
    app.get("/", (c) => c.text("ok"));
    expect((await app.request("/", { headers: { "x-cost": "x" } })).status).toBe(400);
    expect(caught).toBeInstanceOf(ConfigError);
    await expect(rateLimit(noAddress(), { limiter: limiterOf(), cost: Number.NaN })).rejects.toBeInstanceOf(
      ConfigError,
    );
    // The Workers adapter's cases run in workerd: tests/workers/edge-input.test.ts.
  });
});

describe("huge costs and the deny cache", () => {
  it("a cost above capacity is exceeds-capacity even when the key's denial is cached, never a finite retry", async () => {
    const limiter = createRateLimiter({
      store: flakyStore(),
      rules: [fixedWindow({ limit: 2, window: "1m" })],
      clock: () => NOW,
    });
    await limiter.limit("k");
    await limiter.limit("k");
    expect(await limiter.limit("k")).toMatchObject({ reason: "limited", retryAfterMs: 40_000 });
    expect((await limiter.limit("k")).reason).toBe("cached");
    for (const cost of [3, Number.MAX_SAFE_INTEGER]) {
      const decision = await limiter.limit("k", { cost });
      expect(decision).toMatchObject({ reason: "exceeds-capacity", retryAfterMs: Number.POSITIVE_INFINITY });
      expect(deniedResponse(decision).headers.get("Retry-After")).toBeNull();
    }
  });
});
