import { describe, expect, it } from "vitest";
import { ConfigError, createRateLimiter, fixedWindow, type RateLimiter } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { next, rateLimit, withRateLimit } from "../../vercel/index.ts";

const NOW = 1_700_000_000_000;
const limiterOf = (limit = 2): RateLimiter =>
  createRateLimiter({
    store: memoryStore(),
    rules: [fixedWindow({ limit, window: "1m", name: "api" })],
    clock: () => NOW,
  });
const from = (ip: string | undefined, extra: Record<string, string> = {}) =>
  new Request("https://example.com/api", { headers: ip ? { "x-real-ip": ip, ...extra } : extra });

describe("edgelimit/vercel rateLimit", () => {
  it("allows with headers for the continuing response, then returns a 429 with Retry-After", async () => {
    const limiter = limiterOf(2);
    const first = await rateLimit(from("203.0.113.7"), { limiter });
    expect(first.response).toBeUndefined();
    expect(first.key).toBe("203.0.113.7");
    expect(first.decision?.allowed).toBe(true);
    expect(first.headers).toEqual({ "RateLimit-Policy": '"api";q=2;w=60', RateLimit: '"api";r=1;t=40' });
    await rateLimit(from("203.0.113.7"), { limiter });
    const third = await rateLimit(from("203.0.113.7"), { limiter });
    expect(third.decision?.allowed).toBe(false);
    expect(third.response?.status).toBe(429);
    expect(third.response?.headers.get("Retry-After")).toBe("40");
    expect(third.response?.headers.get("RateLimit")).toBe('"api";r=0;t=40');
    expect(third.headers["Retry-After"]).toBe("40");
    expect(await third.response?.json()).toMatchObject({ status: 429, "violated-policies": ["api"] });
    // Another client has its own bucket.
    expect((await rateLimit(from("203.0.113.8"), { limiter })).response).toBeUndefined();
  });

  it("keys by x-real-ip, then the first hop of x-vercel-forwarded-for, IPv6 by /56", async () => {
    const limiter = limiterOf();
    const hop = new Request("https://e.com", { headers: { "x-vercel-forwarded-for": "198.51.100.1, 10.0.0.1" } });
    expect((await rateLimit(hop, { limiter })).key).toBe("198.51.100.1");
    expect((await rateLimit(from("2001:db8:aa:bb12::1"), { limiter })).key).toBe("2001:db8:aa:bb00::/56");
  });

  it("uses a custom key and cost", async () => {
    const limiter = limiterOf(3);
    const options = { limiter, key: (r: Request) => r.headers.get("x-api-key") ?? undefined, cost: 2 };
    const request = from(undefined, { "x-api-key": "k1" });
    expect((await rateLimit(request, options)).decision?.remaining).toBe(1);
    expect((await rateLimit(request, options)).response?.status).toBe(429);
  });

  it("missing key: shared bucket by default, or deny (400), or skip", async () => {
    const limiter = limiterOf(1);
    expect((await rateLimit(from(undefined), { limiter })).key).toBe("unknown");
    expect((await rateLimit(from(undefined), { limiter })).response?.status).toBe(429);
    const denied = await rateLimit(from(undefined), { limiter, missingKey: "deny" });
    expect(denied.response?.status).toBe(400);
    expect(denied.decision).toBeUndefined();
    const skipped = await rateLimit(from(undefined), { limiter, missingKey: "skip" });
    expect(skipped).toMatchObject({ decision: undefined, key: undefined, headers: {}, response: undefined });
  });

  it("hands onDecision to waitUntil, or awaits it without waitUntil; its errors are ignored", async () => {
    const limiter = limiterOf();
    const pending: Promise<unknown>[] = [];
    const seen: string[] = [];
    const result = await rateLimit(from("192.0.2.1"), {
      limiter,
      waitUntil: (p) => pending.push(p),
      onDecision: async ({ key, decision }) => {
        await Promise.resolve();
        seen.push(`${key}:${decision.reason}`);
      },
    });
    expect(result.response).toBeUndefined();
    expect(pending).toHaveLength(1);
    await Promise.all(pending);
    expect(seen).toEqual(["192.0.2.1:allowed"]);
    const awaited = await rateLimit(from("192.0.2.1"), {
      limiter,
      onDecision: () => {
        seen.push("sync");
        throw new Error("ignored");
      },
    });
    expect(awaited.decision?.allowed).toBe(true);
    expect(seen).toEqual(["192.0.2.1:allowed", "sync"]);
  });

  it("emits the chosen header format", async () => {
    const { headers } = await rateLimit(from("192.0.2.9"), { limiter: limiterOf(5), format: "legacy" });
    expect(headers).toEqual({
      "X-RateLimit-Limit": "5",
      "X-RateLimit-Remaining": "4",
      "X-RateLimit-Reset": "1700000040",
    });
  });

  it("rejects bad options with a ConfigError; withRateLimit at construction", async () => {
    const limiter = limiterOf();
    const bad = (options: object) => rateLimit(from("192.0.2.1"), { limiter, ...options } as never);
    await expect(bad({ limiter: {} })).rejects.toThrow(ConfigError);
    await expect(bad({ limiter: {} })).rejects.toThrow("[vercel] rateLimit: limiter must be a limiter");
    await expect(bad({ missingKey: "nope" })).rejects.toThrow('[vercel] rateLimit: missingKey must be "shared"');
    await expect(bad({ format: "draft-99" })).rejects.toThrow("[vercel] rateLimit: format must be one of");
    await expect(bad({ cost: -1 })).rejects.toThrow("[vercel] rateLimit: cost must be a whole number ≥ 0");
    const wrap = (options: object) => () => withRateLimit(() => new Response("ok"), { limiter, ...options } as never);
    expect(wrap({ missingKey: "nope" })).toThrow(ConfigError);
    expect(wrap({ onDecision: "log" })).toThrow("[vercel] withRateLimit: onDecision must be a function");
    expect(() => withRateLimit("handler" as never, { limiter })).toThrow(ConfigError);
  });

  it("next() continues the request with headers, as @vercel/functions' next() does", () => {
    const response = next({ headers: { RateLimit: '"a";r=1;t=2' } });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-middleware-next")).toBe("1");
    expect(response.headers.get("RateLimit")).toBe('"a";r=1;t=2');
    expect(next().headers.get("x-middleware-next")).toBe("1");
  });
});
