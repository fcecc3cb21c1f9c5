// The option vocabulary every adapter shares (key, missingKey, cost, format, onDecision), as the Lambda adapters
// take it, and ConfigError for every bad option at construction.
import { describe, expect, it } from "vitest";
import { createAuthorizer, type PolicyResult, type ProxyEventV1, withRateLimit } from "../../lambda/index.ts";
import { ConfigError, createRateLimiter, fixedWindow } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { consoleRequestEvent, proxyV1Event, restRequestEvent } from "./events.ts";

const NOW = 1_700_000_000_000; // 20 s into a minute
const limiterOf = (limit: number) =>
  createRateLimiter({
    store: memoryStore(),
    rules: [fixedWindow({ limit, window: "1m", name: "api" })],
    clock: () => NOW,
  });
const ok = async () => ({ statusCode: 200, body: "ok" });
const effectOf = (result: unknown) => (result as PolicyResult).policyDocument.Statement[0].Effect;
const problemsOf = (build: () => unknown) => {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
};

describe("createAuthorizer options", () => {
  it("missingKey: deny answers 401, skip allows without a decision, unauthorized is the old name of deny", async () => {
    const limiter = limiterOf(1);
    await expect(createAuthorizer({ limiter, missingKey: "deny" })(consoleRequestEvent())).rejects.toThrow(
      /^Unauthorized$/,
    );
    await expect(createAuthorizer({ limiter, missingKey: "unauthorized" })(consoleRequestEvent())).rejects.toThrow(
      /^Unauthorized$/,
    );
    const skip = createAuthorizer({ limiter, missingKey: "skip" });
    for (let i = 0; i < 3; i++) {
      expect(await skip(consoleRequestEvent())).toMatchObject({ principalId: "ip:unknown", context: {} });
      expect(effectOf(await skip(consoleRequestEvent()))).toBe("Allow");
    }
    expect((await limiter.peek("ip:unknown")).remaining).toBe(1); // nothing was counted
  });

  it("cost (a number or a function of the event) and onDecision, awaited before the answer", async () => {
    const seen: string[] = [];
    const handler = createAuthorizer({
      limiter: limiterOf(5),
      cost: (event) => ("httpMethod" in event && event.httpMethod === "POST" ? 3 : 1),
      onDecision: async ({ event, key, decision }) => {
        await Promise.resolve();
        seen.push(`${event.type} ${key} ${decision.remaining}`);
        throw new Error("ignored");
      },
    });
    await handler({ ...restRequestEvent(), httpMethod: "POST" });
    expect(seen).toEqual(["REQUEST ip:203.0.113.7 2"]);
    expect(effectOf(await handler(restRequestEvent()))).toBe("Allow");
    expect(effectOf(await handler({ ...restRequestEvent(), httpMethod: "POST" }))).toBe("Deny");
    expect(seen).toEqual(["REQUEST ip:203.0.113.7 2", "REQUEST ip:203.0.113.7 1", "REQUEST ip:203.0.113.7 1"]);
    const fixed = createAuthorizer({ limiter: limiterOf(5), cost: 5 });
    expect((await fixed(restRequestEvent())).context.rl_remaining).toBe(0);
  });

  it("throws one ConfigError listing every bad option", () => {
    const problems = problemsOf(() =>
      createAuthorizer({
        limiter: limiterOf(1),
        missingKey: "nope" as never,
        cost: -1,
        format: "draft-99" as never,
        ipv6Prefix: 129,
        httpApiMode: "x" as never,
        onDecision: "log" as never,
      }),
    );
    expect(problems).toEqual([
      "[lambda] createAuthorizer: ipv6Prefix must be a whole number of bits from 1 to 128, got 129",
      "[lambda] createAuthorizer: httpApiMode must be one of simple, iam, allow-with-context",
      '[lambda] createAuthorizer: missingKey must be "shared", "deny" or "skip", got "nope"',
      "[lambda] createAuthorizer: cost must be a whole number ≥ 0 or a function of the request, got -1",
      '[lambda] createAuthorizer: format must be one of draft-8, draft-7, draft-6, legacy, got "draft-99"',
      "[lambda] createAuthorizer: onDecision must be a function",
    ]);
  });
});

describe("withRateLimit (proxy) options", () => {
  it("missingKey: shared (default) counts ip:unknown, deny answers 400, skip runs the handler unlimited", async () => {
    const limiter = limiterOf(1);
    const noIp = proxyV1Event(null);
    const shared = withRateLimit(ok, { limiter });
    expect((await shared(noIp)).statusCode).toBe(200);
    expect((await shared(noIp)).statusCode).toBe(429);
    const denied = await withRateLimit(ok, { limiter, missingKey: "deny" })(noIp);
    expect(denied.statusCode).toBe(400);
    expect(denied.headers).toEqual({ "Content-Type": "application/problem+json", "Cache-Control": "no-store" });
    expect(JSON.parse(denied.body ?? "")).toEqual({
      title: "Bad Request",
      status: 400,
      detail: "The request carries no client identity to rate limit by.",
    });
    const skip = withRateLimit(ok, { limiter, missingKey: "skip" });
    expect(await skip(noIp)).toEqual({ statusCode: 200, body: "ok", headers: {} });
    // A key that falls back to the source IP is no missing key.
    expect(
      (await withRateLimit(ok, { limiter, missingKey: "deny", key: () => undefined })(proxyV1Event())).statusCode,
    ).toBe(200);
  });

  it("cost as a function of the event, and onDecision, finished before the result goes back", async () => {
    const seen: string[] = [];
    const api = withRateLimit<ProxyEventV1>(ok, {
      limiter: limiterOf(4),
      cost: (event) => (event.httpMethod === "POST" ? 4 : 1),
      onDecision: async ({ event, key, decision }) => {
        for (let i = 0; i < 10; i++) await Promise.resolve(); // slower than the handler
        seen.push(`${event.httpMethod} ${key} ${decision.reason}`);
      },
    });
    expect((await api({ ...proxyV1Event(), httpMethod: "GET" })).statusCode).toBe(200);
    expect(seen).toEqual(["GET ip:203.0.113.7 allowed"]);
    expect((await api({ ...proxyV1Event(), httpMethod: "POST" })).statusCode).toBe(429);
    expect(seen).toEqual(["GET ip:203.0.113.7 allowed", "POST ip:203.0.113.7 limited"]);
  });

  it("throws one ConfigError listing every bad option", () => {
    expect(problemsOf(() => withRateLimit(ok, { limiter: {} as never, cost: 0.5, ipv6Prefix: 0 }))).toEqual([
      "[lambda] withRateLimit: ipv6Prefix must be a whole number of bits from 1 to 128, got 0",
      "[lambda] withRateLimit: limiter must be a limiter from createRateLimiter()",
      "[lambda] withRateLimit: cost must be a whole number ≥ 0 or a function of the request, got 0.5",
    ]);
    expect(problemsOf(() => withRateLimit("handler" as never, { limiter: limiterOf(1) }))).toEqual([
      "[lambda] withRateLimit: handler must be a function",
    ]);
  });
});
