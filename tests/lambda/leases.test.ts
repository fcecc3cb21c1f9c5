import { describe, expect, it } from "vitest";
import { createAuthorizer } from "../../lambda/authorizer.ts";
import { withRateLimit } from "../../lambda/index.ts";
import { ConfigError, concurrency, createRateLimiter, gcra } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { proxyV2Event } from "./events.ts";

const limiterWith = (limit: number) =>
  createRateLimiter({ store: memoryStore(), rules: [concurrency({ limit }), gcra({ limit: 100, period: "1m" })] });

describe("concurrency leases in Lambda", () => {
  it("the proxy wrapper holds a lease while the handler runs and gives it back before answering", async () => {
    const limiter = limiterWith(1);
    const seen: number[] = [];
    const handler = withRateLimit(
      async () => {
        seen.push((await limiter.peek("ip:198.51.100.7", { cost: 0 })).rules[0]!.remaining);
        return { statusCode: 200, body: "ok" };
      },
      { limiter, key: () => "ip:198.51.100.7" },
    );
    expect((await handler(proxyV2Event())).statusCode).toBe(200);
    expect((await handler(proxyV2Event())).statusCode).toBe(200);
    expect(seen).toEqual([0, 0]); // the slot was taken while the handler ran
    expect((await limiter.peek("ip:198.51.100.7", { cost: 0 })).rules[0]!.remaining).toBe(1);
  });

  it("gives the lease back when the handler throws", async () => {
    const limiter = limiterWith(1);
    const handler = withRateLimit(
      async () => {
        throw new Error("upstream down");
      },
      { limiter, key: () => "k" },
    );
    await expect(handler(proxyV2Event())).rejects.toThrow("upstream down");
    expect((await limiter.peek("k", { cost: 0 })).rules[0]!.remaining).toBe(1);
  });

  it("refuses concurrency rules in an authorizer, which cannot see a request end", () => {
    expect(() => createAuthorizer({ limiter: limiterWith(2) })).toThrow(ConfigError);
    expect(() => createAuthorizer({ limiter: limiterWith(2) })).toThrow(/cannot see when a request ends/);
  });
});
