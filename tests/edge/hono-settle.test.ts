import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { rateLimiter } from "../../hono/index.ts";
import { ConfigError, createRateLimiter, fixedWindow, settleCosts } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";

const NOW = 1_700_000_000_000;

/** Runs one request and waits for what the middleware left to `waitUntil` (the settlement). */
async function send(app: Hono, path: string, headers: Record<string, string> = {}) {
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => pending.push(p), passThroughOnException() {}, props: {} };
  const response = await app.request(path, { headers: { "cf-connecting-ip": "203.0.113.7", ...headers } }, {}, ctx);
  const body = await response.text();
  await Promise.all(pending);
  return { status: response.status, body };
}

function app(settle: (response: Response) => number | undefined, withSettle = true) {
  const limiter = createRateLimiter({
    store: memoryStore(),
    rules: [fixedWindow({ limit: 1000, window: "1m", name: "tokens" })],
    clock: () => NOW,
    ...(withSettle ? { settle: settleCosts() } : {}),
  });
  const hono = new Hono();
  hono.use(rateLimiter({ limiter, cost: (c) => Number(c.req.header("x-reserve") ?? 1), settle }));
  hono.get("/", (c) => c.text("", Number(c.req.header("x-status") ?? 200) as 200));
  hono.get("/left", async (c) => c.text(String((await limiter.peek("203.0.113.7")).remaining)));
  return hono;
}

describe("edgelimit/hono rateLimiter with settle", () => {
  it("settles the reserved cost to what the response says was used (an LLM budget); undefined keeps it", async () => {
    const used = app((response) => {
      const header = response.headers.get("x-used");
      return header === null ? undefined : Number(header);
    });
    used.get("/llm", (c) => c.text("done", 200, { "x-used": "130" }));
    expect((await send(used, "/llm", { "x-reserve": "400" })).status).toBe(200);
    // 1000 − 130, less the /left request's own 1 until its settlement (it has no x-used: it keeps its cost).
    expect((await send(used, "/left")).body).toBe("869");
    expect((await send(used, "/", { "x-reserve": "300" })).status).toBe(200);
    expect((await send(used, "/left")).body).toBe("568");
  });

  it("counts only 401s with settle: (res) => (res.status === 401 ? 1 : 0)", async () => {
    const hono = app((response) => (response.status === 401 ? 1 : 0));
    for (let i = 0; i < 3; i++) expect((await send(hono, "/")).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await send(hono, "/", { "x-status": "401" })).status).toBe(401);
    // The /left request itself counts 1 until its own settlement: 1000 − 2 failures − 1.
    expect((await send(hono, "/left")).body).toBe("997");
  });

  it("checks the option: a function, and a limiter that can settle", async () => {
    const plain = createRateLimiter({ store: memoryStore(), rules: [fixedWindow({ limit: 1, window: "1m" })] });
    expect(() => rateLimiter({ limiter: plain, settle: 3 as never })).toThrow(ConfigError);
    const hono = app(() => 0, false);
    hono.onError((error, c) => c.text(`${error.name}: ${error.message}`, 500));
    const { status, body } = await send(hono, "/");
    expect(status).toBe(500);
    expect(body).toMatch(/^ConfigError: .*settle needs a limiter created with settle: settleCosts\(\)/s);
  });
});
