import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { durableObjectStore, type RateLimiterObject } from "../../durable-objects/index.ts";
import { ConfigError, createRateLimiter, fixedWindow, settleCosts } from "../../src/index.ts";
import { withRateLimit } from "../../workers/index.ts";

// withRateLimit's `settle` option on the Durable Object store: count only failed logins.
let prefixes = 0;
const limiterOf = (settle: boolean) =>
  createRateLimiter({
    store: durableObjectStore(env.FULL_RATE_LIMITER, { full: true }),
    rules: [fixedWindow({ limit: 3, window: "1h", name: "login" })],
    prefix: `adapter-settle-${++prefixes}`,
    ...(settle ? { settle: settleCosts() } : {}),
  });

/** A login route: `/ok` succeeds, anything else is a 401. */
function loginWorker(settle = true) {
  const worker = withRateLimit<Cloudflare.Env>(
    { fetch: (request) => new Response("…", { status: new URL(request.url).pathname === "/ok" ? 200 : 401 }) },
    { limiter: limiterOf(settle), key: () => "user:7", settle: (response) => (response.status === 401 ? 1 : 0) },
  );
  return async (path: string) => {
    const ctx = createExecutionContext();
    const response = await (worker.fetch!(new Request(`https://x${path}`), env, ctx) as Promise<Response>);
    await response.text();
    await waitOnExecutionContext(ctx);
    return response.status;
  };
}

describe("withRateLimit with settle", () => {
  it("counts only 401 responses: successes are given back, the fourth failure is refused", async () => {
    const send = loginWorker();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await send("/ok"));
    for (let i = 0; i < 4; i++) statuses.push(await send("/wrong"));
    statuses.push(await send("/ok"));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 401, 401, 401, 429, 429]);
  });

  it("rejects the request with a ConfigError naming settleCosts when the limiter cannot settle", async () => {
    const send = loginWorker(false);
    await expect(send("/ok")).rejects.toThrow(ConfigError);
    await expect(send("/ok")).rejects.toThrow(/settle: settleCosts\(\)/);
  });
});

describe("a settlement on the Durable Object store", () => {
  it("is one request to the object and one row written", async () => {
    const limiter = createRateLimiter({
      store: durableObjectStore(env.FULL_RATE_LIMITER, { full: true }),
      rules: [fixedWindow({ limit: 10, window: "1h", name: "f" })],
      prefix: "settle-cost",
      settle: settleCosts(),
    });
    const stub = env.FULL_RATE_LIMITER.get(env.FULL_RATE_LIMITER.idFromName("settle-cost:k"));
    const statsOf = () => runInDurableObject(stub, (instance: RateLimiterObject) => ({ ...instance.stats }));
    const d = await limiter.limit("k", { cost: 6 });
    const before = await statsOf();
    await d.settle!(2);
    const after = await statsOf();
    expect([after.requests - before.requests, after.settled - before.settled, after.allowed - before.allowed]).toEqual([
      1, 1, 0,
    ]);
    expect(after.sqlRowsWritten - before.sqlRowsWritten).toBe(1);
    expect((await limiter.peek("k")).remaining).toBe(8);
  });
});
