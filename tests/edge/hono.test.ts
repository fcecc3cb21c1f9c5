import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { rateLimiter } from "../../hono/index.ts";
import { ConfigError, createRateLimiter, type Decision, fixedWindow, type RateLimiter } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";

const NOW = 1_700_000_000_000; // 20 s into a minute
const limiterOf = (limit = 2): RateLimiter =>
  createRateLimiter({
    store: memoryStore(),
    rules: [fixedWindow({ limit, window: "1m", name: "api" })],
    clock: () => NOW,
  });
const get = (app: Hono, headers: Record<string, string> = { "cf-connecting-ip": "203.0.113.7" }, path = "/") =>
  app.request(path, { headers });

describe("edgelimit/hono rateLimiter", () => {
  it("exposes the decision, adds headers to every response, and answers 429 without calling the handler", async () => {
    const app = new Hono();
    let calls = 0;
    app.use(rateLimiter({ limiter: limiterOf(2) }));
    app.get("/", (c) => {
      calls++;
      const decision: Decision = c.get("rateLimit");
      return c.json({ remaining: decision.remaining });
    });
    const first = await get(app);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ remaining: 1 });
    expect(first.headers.get("RateLimit")).toBe('"api";r=1;t=40');
    expect(first.headers.get("RateLimit-Policy")).toBe('"api";q=2;w=60');
    expect((await get(app)).headers.get("RateLimit")).toBe('"api";r=0;t=40');
    const third = await get(app);
    expect(third.status).toBe(429);
    expect(third.headers.get("Retry-After")).toBe("40");
    expect(third.headers.get("RateLimit")).toBe('"api";r=0;t=40');
    expect(third.headers.get("Content-Type")).toBe("application/problem+json");
    expect(calls).toBe(2);
    expect((await get(app, { "cf-connecting-ip": "203.0.113.8" })).status).toBe(200);
  });

  it("adds headers to raw Responses, to 404s, and to responses whose headers are immutable", async () => {
    const app = new Hono();
    app.use(rateLimiter({ limiter: limiterOf(10) }));
    app.get("/raw", () => new Response("raw", { headers: { "X-Own": "1" } }));
    app.get("/immutable", () => Response.redirect("https://example.com/", 302)); // headers are immutable
    const raw = await get(app, undefined, "/raw");
    expect(raw.headers.get("X-Own")).toBe("1");
    expect(raw.headers.get("RateLimit")).toBe('"api";r=9;t=40');
    const immutable = await get(app, undefined, "/immutable");
    expect(immutable.status).toBe(302);
    expect(immutable.headers.get("RateLimit")).toBe('"api";r=8;t=40');
    const missing = await get(app, undefined, "/nothing-here");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("RateLimit")).toBe('"api";r=7;t=40');
  });

  it("keys by platform header, a custom key, and applies the missing-key policy", async () => {
    const keys: string[] = [];
    const limiter = limiterOf(100);
    const spy: RateLimiter = {
      ...limiter,
      limit: (key, o) => {
        keys.push(key);
        return limiter.limit(key, o);
      },
    };
    const app = new Hono();
    app.use("/cf/*", rateLimiter({ limiter: spy }));
    app.use("/vercel/*", rateLimiter({ limiter: spy, platform: "vercel" }));
    app.use("/user/*", rateLimiter({ limiter: spy, key: (c) => c.req.header("x-user"), cost: 3 }));
    app.use("/deny/*", rateLimiter({ limiter: spy, missingKey: "deny" }));
    app.use("/skip/*", rateLimiter({ limiter: spy, missingKey: "skip" }));
    app.get("*", (c) => c.text(String(c.get("rateLimit")?.remaining)));
    await get(app, { "cf-connecting-ip": "2001:db8:aa:bb12::1", "x-real-ip": "192.0.2.1" }, "/cf/a");
    await get(app, { "cf-connecting-ip": "192.0.2.2", "x-real-ip": "192.0.2.1" }, "/vercel/a");
    expect(await (await get(app, { "x-user": "u1" }, "/user/a")).text()).toBe("97");
    await get(app, {}, "/cf/a");
    expect((await get(app, {}, "/deny/a")).status).toBe(400);
    const skipped = await get(app, {}, "/skip/a");
    expect([skipped.status, await skipped.text(), skipped.headers.get("RateLimit")]).toEqual([200, "undefined", null]);
    expect(keys).toEqual(["2001:db8:aa:bb00::/56", "192.0.2.1", "u1", "unknown"]);
  });

  it("builds the limiter once per env when given a function of the context", async () => {
    const app = new Hono<{ Bindings: { LIMIT: number } }>();
    let built = 0;
    app.use(
      rateLimiter({
        limiter: (c) => {
          built++;
          return limiterOf(c.env.LIMIT);
        },
      }),
    );
    app.get("/", (c) => c.text("ok"));
    const env = { LIMIT: 1 };
    const call = () => app.request("/", { headers: { "cf-connecting-ip": "192.0.2.1" } }, env);
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(429);
    expect(built).toBe(1);
  });

  it("runs onDecision for every decision, through waitUntil where there is an execution context", async () => {
    const seen: string[] = [];
    const waited: Promise<unknown>[] = [];
    const app = new Hono();
    app.use(
      rateLimiter({
        limiter: limiterOf(1),
        onDecision: ({ c, key, decision }) => {
          seen.push(`${c.req.path} ${key} ${decision.reason}`);
          throw new Error("ignored");
        },
      }),
    );
    app.get("*", (c) => c.text("ok"));
    const ctx = { waitUntil: (p: Promise<unknown>) => waited.push(p), passThroughOnException: () => {}, props: {} };
    const headers = { "cf-connecting-ip": "192.0.2.1" };
    expect((await app.request("/a", { headers }, undefined, ctx)).status).toBe(200);
    expect((await app.request("/b", { headers }, undefined, ctx)).status).toBe(429);
    expect(waited).toHaveLength(2);
    await Promise.all(waited);
    expect(seen).toEqual(["/a 192.0.2.1 allowed", "/b 192.0.2.1 limited"]);
  });

  it("rejects bad options at construction with a ConfigError listing every problem", () => {
    expect(() => rateLimiter({} as never)).toThrow(ConfigError);
    expect(() => rateLimiter({} as never)).toThrow("[hono] rateLimiter: limiter must be a limiter");
    let error: unknown;
    try {
      rateLimiter({ limiter: limiterOf(), format: "x" as never, missingKey: "y" as never, cost: 1.5 });
    } catch (thrown) {
      error = thrown;
    }
    expect((error as ConfigError).problems).toEqual([
      '[hono] rateLimiter: missingKey must be "shared", "deny" or "skip", got "y"',
      "[hono] rateLimiter: cost must be a whole number ≥ 0 or a function of the request, got 1.5",
      '[hono] rateLimiter: format must be one of draft-8, draft-7, draft-6, legacy, got "x"',
    ]);
  });
});
