import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ConfigError, createRateLimiter, fixedWindow, type RateLimiter } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { withRateLimit } from "../../workers/index.ts";

// Bad input at the Workers adapter (the Node-side cases are in tests/unit/edge-input.test.ts).
const limiterOf = (): RateLimiter =>
  createRateLimiter({ store: memoryStore(), rules: [fixedWindow({ limit: 1, window: "1m", name: "api" })] });
type Incoming = Request<unknown, IncomingRequestCfProperties>;
const noAddress = (): Incoming => new Request("https://x/");
const badAddress = (): Incoming => new Request("https://x/", { headers: { "cf-connecting-ip": "evil\u0007" } });
const handler = { fetch: () => new Response("ok") };

describe("withRateLimit: no client address, a garbage address, a bad cost", () => {
  it("without a usable CF-Connecting-IP: one shared 'unknown' bucket (default), or 400, or skipped", async () => {
    for (const request of [noAddress, badAddress]) {
      const ctx = createExecutionContext();
      const shared = withRateLimit<Cloudflare.Env>(handler, { limiter: limiterOf() });
      expect((await shared.fetch!(request(), env, ctx)).status).toBe(200);
      expect((await shared.fetch!(request(), env, ctx)).status).toBe(429);
      const deny = withRateLimit<Cloudflare.Env>(handler, { limiter: limiterOf(), missingKey: "deny" });
      expect((await deny.fetch!(request(), env, ctx)).status).toBe(400);
      const skip = withRateLimit<Cloudflare.Env>(handler, { limiter: limiterOf(), missingKey: "skip" });
      for (let i = 0; i < 3; i++) expect((await skip.fetch!(request(), env, ctx)).status).toBe(200);
    }
  });

  it("a cost function returning NaN (a parsed header): fetch rejects with a ConfigError naming the cost", async () => {
    const worker = withRateLimit<Cloudflare.Env>(handler, {
      limiter: limiterOf(),
      key: () => "k",
      cost: (request) => Number(request.headers.get("x-cost")),
    });
    const request: Incoming = new Request("https://x/", { headers: { "x-cost": "lots" } });
    const error = await Promise.resolve()
      .then(() => worker.fetch!(request, env, createExecutionContext()))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/cost must be a whole number ≥ 0, got NaN/);
  });

  it("bad options: one ConfigError when the handler is wrapped; cost may also be a number", async () => {
    const wrap = (options: object) => () =>
      withRateLimit<Cloudflare.Env>(handler, { limiter: limiterOf(), ...options });
    expect(wrap({ cost: -1, missingKey: "nope", format: "draft-99" })).toThrow(ConfigError);
    expect(wrap({ limiter: {} })).toThrow(
      "[workers] withRateLimit: limiter must be a limiter from createRateLimiter() or a function that returns one",
    );
    expect(() => withRateLimit({}, { limiter: limiterOf() })).toThrow(
      "[workers] withRateLimit: the handler has no fetch",
    );
    const worker = withRateLimit<Cloudflare.Env>(handler, { limiter: limiterOf(), key: () => "k", cost: 0 });
    for (let i = 0; i < 3; i++)
      expect((await worker.fetch!(noAddress(), env, createExecutionContext())).status).toBe(200);
  });
});
