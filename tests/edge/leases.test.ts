import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { rateLimiter } from "../../hono/index.ts";
import { concurrency, createRateLimiter, fixedWindow, type RateLimiter } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { rateLimit, withRateLimit } from "../../vercel/index.ts";

// The Vercel and Hono adapters give concurrency leases back when the response is done.
const limiterOf = (limit = 1): RateLimiter =>
  createRateLimiter({ store: memoryStore(), rules: [concurrency({ limit, lease: "30s", name: "inflight" })] });
const from = (ip = "203.0.113.7") => new Request("https://example.com/api", { headers: { "x-real-ip": ip } });
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));
const held = async (limiter: RateLimiter) => 1 - (await limiter.peek("203.0.113.7", { cost: 0 })).remaining;

/** A body that stays open until `end()` is called. */
function openBody() {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const end = () => {
    controller!.enqueue(new TextEncoder().encode("done"));
    controller!.close();
  };
  return { body, end };
}

describe("edgelimit/vercel leases", () => {
  it("rateLimit (middleware) returns release: the lease is held until it is called; a denial's release is a no-op", async () => {
    const limiter = limiterOf(1);
    const first = await rateLimit(from(), { limiter });
    expect(first.headers["RateLimit-Policy"]).toBe('"inflight";q=1;qu="concurrent-requests";w=30');
    const second = await rateLimit(from(), { limiter });
    expect(second.response?.status).toBe(429);
    await second.release();
    expect(await held(limiter)).toBe(1);
    await first.release();
    await first.release(); // idempotent
    expect(await held(limiter)).toBe(0);
    const skipped = await rateLimit(new Request("https://e.com"), { limiter, missingKey: "skip" });
    await expect(skipped.release()).resolves.toBeUndefined();
  });

  it("withRateLimit releases after the body is sent, through waitUntil", async () => {
    const limiter = limiterOf(1);
    const pending: Promise<unknown>[] = [];
    const GET = withRateLimit(() => Response.json({ ok: true }), { limiter, waitUntil: (p) => pending.push(p) });
    const response = await GET(from());
    expect(response.headers.get("RateLimit")).toBe('"inflight";r=0;t=30');
    expect(await held(limiter)).toBe(1);
    expect(await response.json()).toEqual({ ok: true });
    await Promise.all(pending);
    expect(await held(limiter)).toBe(0);
  });

  it("withRateLimit holds the lease while a streamed body is open, and releases when it ends", async () => {
    const limiter = limiterOf(1);
    const { body, end } = openBody();
    const GET = withRateLimit(() => new Response(body), { limiter });
    const response = await GET(from());
    const reading = response.text();
    expect((await GET(from())).status).toBe(429);
    end();
    expect(await reading).toBe("done");
    await settled();
    expect(await held(limiter)).toBe(0);
  });

  it("withRateLimit releases when the handler throws, and at once for a response without a body", async () => {
    const limiter = limiterOf(1);
    const failing = withRateLimit<Request, []>(
      () => {
        throw new Error("boom");
      },
      { limiter },
    );
    await expect(failing(from())).rejects.toThrow("boom");
    await settled();
    expect(await held(limiter)).toBe(0);
    const empty = withRateLimit(() => new Response(null, { status: 204 }), { limiter });
    expect((await empty(from())).status).toBe(204);
    await settled();
    expect(await held(limiter)).toBe(0);
  });

  it("withRateLimit without concurrency rules passes the response through with headers only", async () => {
    const limiter = createRateLimiter({ store: memoryStore(), rules: [fixedWindow({ limit: 1, window: "1m" })] });
    const GET = withRateLimit(() => new Response("ok"), { limiter });
    expect(await (await GET(from())).text()).toBe("ok");
    expect((await GET(from())).status).toBe(429);
  });
});

describe("edgelimit/hono leases", () => {
  function appOf(limiter: RateLimiter, handler: () => Response) {
    const app = new Hono();
    app.use(rateLimiter({ limiter, platform: "vercel" }));
    app.get("/", handler);
    return app;
  }

  it("releases after the response body is sent, and says qu=concurrent-requests", async () => {
    const limiter = limiterOf(1);
    const app = appOf(limiter, () => new Response("ok"));
    const response = await app.request("/", { headers: { "x-real-ip": "203.0.113.7" } });
    expect(response.headers.get("RateLimit-Policy")).toBe('"inflight";q=1;qu="concurrent-requests";w=30');
    expect(await held(limiter)).toBe(1);
    expect(await response.text()).toBe("ok");
    await settled();
    expect(await held(limiter)).toBe(0);
  });

  it("holds the lease while a streamed body is open; uses executionCtx.waitUntil when there is one", async () => {
    const limiter = limiterOf(1);
    const { body, end } = openBody();
    const app = appOf(limiter, () => new Response(body));
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => pending.push(p), passThroughOnException() {}, props: {} };
    const request = () => app.request("/", { headers: { "x-real-ip": "203.0.113.7" } }, {}, ctx);
    const response = await request();
    const reading = response.text();
    expect((await request()).status).toBe(429);
    end();
    expect(await reading).toBe("done");
    await Promise.all(pending);
    expect(pending.length).toBeGreaterThan(0);
    expect(await held(limiter)).toBe(0);
  });

  it("releases when the handler throws (Hono answers 500)", async () => {
    const limiter = limiterOf(1);
    const app = appOf(limiter, () => {
      throw new Error("boom");
    });
    app.onError((_, c) => c.text("failed", 500));
    const response = await app.request("/", { headers: { "x-real-ip": "203.0.113.7" } });
    expect(response.status).toBe(500);
    await response.arrayBuffer();
    await settled();
    expect(await held(limiter)).toBe(0);
  });
});
