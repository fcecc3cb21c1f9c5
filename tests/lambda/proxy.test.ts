import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createAuthorizer,
  hashKey,
  header,
  type ProxyEventV1,
  type ProxyEventV2,
  type SimpleResult,
  withRateLimit,
} from "../../lambda/index.ts";
import { createRateLimiter, fixedWindow, type RateLimiter } from "../../src/index.ts";
import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { httpApiAuthorizerEvent, proxyV1Event, proxyV2Event } from "./events.ts";
import { dynamoLimiter, limiterTable, T0 } from "./limiters.ts";

let table: Awaited<ReturnType<typeof limiterTable>>;
beforeAll(async () => {
  table = await limiterTable();
});
afterAll(() => table.db.destroy());

const ok = async () => ({ statusCode: 200, body: "ok" });
const problemOf = (body: string | undefined) => JSON.parse(body ?? "null");

describe("withRateLimit, payload 1.0 (REST)", () => {
  it("adds RateLimit headers to allowed results, replacing same-named ones in any case", async () => {
    const api = withRateLimit(
      async () => ({
        statusCode: 201,
        headers: { "Content-Type": "text/plain", ratelimit: "stale" },
        multiValueHeaders: { "Set-Cookie": ["a=1", "b=2"], RATELIMIT: ["stale"] },
        body: "made",
      }),
      { limiter: dynamoLimiter(table, 2) },
    );
    expect(await api(proxyV1Event())).toEqual({
      statusCode: 201,
      headers: {
        "Content-Type": "text/plain",
        RateLimit: '"per-minute";r=1;t=50',
        "RateLimit-Policy": '"per-minute";q=2;w=60',
      },
      multiValueHeaders: { "Set-Cookie": ["a=1", "b=2"] },
      body: "made",
    });
  });

  it("answers 429 with Retry-After, RateLimit headers and problem+json, without running the handler", async () => {
    let calls = 0;
    const api = withRateLimit(
      async () => {
        calls++;
        return { statusCode: 200, body: "ok" };
      },
      { limiter: dynamoLimiter(table, 1) },
    );
    await api(proxyV1Event());
    const denied = await api(proxyV1Event());
    expect(calls).toBe(1);
    expect(denied.statusCode).toBe(429);
    expect(denied.headers).toEqual({
      "Retry-After": "50",
      RateLimit: '"per-minute";r=0;t=50',
      "RateLimit-Policy": '"per-minute";q=1;w=60',
      "Content-Type": "application/problem+json",
      "Cache-Control": "no-store",
    });
    expect(problemOf(denied.body)).toEqual({
      type: "https://iana.org/assignments/http-problem-types#quota-exceeded",
      title: "Too Many Requests",
      status: 429,
      detail: "Quota exceeded; retry in 50 seconds.",
      "violated-policies": ["per-minute"],
    });
  });

  it("keys on a hashed header when key() says so (header names in any case)", async () => {
    const api = withRateLimit(ok, {
      limiter: dynamoLimiter(table, 1),
      key: async (event) => `apikey:${await hashKey(header(event.headers, "x-api-key") ?? "")}`,
    });
    expect((await api(proxyV1Event("198.51.100.1"))).statusCode).toBe(200);
    expect((await api(proxyV1Event("198.51.100.2"))).statusCode).toBe(429); // same X-Api-Key
  });

  it("shares ip:unknown among events without sourceIp, and survives null maps", async () => {
    const api = withRateLimit(ok, { limiter: dynamoLimiter(table, 1), format: "legacy" });
    const bare = proxyV1Event(null);
    const nulls: ProxyEventV1 = { ...proxyV1Event(), headers: null, multiValueHeaders: null, requestContext: null };
    expect((await api(bare)).headers).toMatchObject({ "X-RateLimit-Remaining": "0" });
    expect((await api(nulls)).statusCode).toBe(429);
  });

  it("answers 503 when the store fails and the policy denies", async () => {
    const limiter = createRateLimiter({
      store: dynamoDbStore({ client: table.db, tableName: "no-such-table" }),
      rules: [fixedWindow({ limit: 1, window: "1m" })],
      onStoreError: "deny",
      clock: () => T0,
    });
    const result = await withRateLimit(ok, { limiter })(proxyV1Event());
    expect(result.statusCode).toBe(503);
    expect(problemOf(result.body)).toMatchObject({ status: 503, title: "Service Unavailable" });
  });
});

describe("withRateLimit, payload 2.0 (HTTP API)", () => {
  it("turns a string result into API Gateway's 200 JSON response with the headers", async () => {
    const api = withRateLimit(async () => "Hello from Lambda!", { limiter: dynamoLimiter(table, 2) });
    expect(await api(proxyV2Event())).toEqual({
      statusCode: 200,
      headers: {
        "content-type": "application/json",
        RateLimit: '"per-minute";r=1;t=50',
        "RateLimit-Policy": '"per-minute";q=2;w=60',
      },
      body: "Hello from Lambda!",
    });
  });

  it("serializes an object result without statusCode, and keeps structured results and cookies", async () => {
    const limiter = dynamoLimiter(table, 5);
    const plain = withRateLimit(async () => ({ message: "hi" }), { limiter });
    expect((await plain(proxyV2Event())).body).toBe('{"message":"hi"}');
    const structured = withRateLimit(async () => ({ statusCode: 204, cookies: ["c=1"], headers: { "X-Trace": "t" } }), {
      limiter,
    });
    expect(await structured(proxyV2Event())).toEqual({
      statusCode: 204,
      cookies: ["c=1"],
      headers: { "X-Trace": "t", RateLimit: '"per-minute";r=3;t=50', "RateLimit-Policy": '"per-minute";q=5;w=60' },
    });
  });

  it("answers 429 when limited, and falls back to ip:unknown without requestContext.http.sourceIp", async () => {
    const api = withRateLimit(ok, { limiter: dynamoLimiter(table, 1) });
    expect((await api(proxyV2Event())).statusCode).toBe(200);
    expect((await api(proxyV2Event())).statusCode).toBe(429);
    expect((await api(proxyV2Event(null))).statusCode).toBe(200);
    expect((await api(proxyV2Event(null))).statusCode).toBe(429);
  });
});

describe("trustAuthorizer", () => {
  const unused: RateLimiter = new Proxy({} as RateLimiter, {
    get: (_, name) => (name === "limit" ? () => Promise.reject(new Error("the limiter must not be asked")) : undefined),
  });

  it("answers 429 from an HTTP API allow-with-context authorizer's context", async () => {
    const authorizer = createAuthorizer({ limiter: dynamoLimiter(table, 1), httpApiMode: "allow-with-context" });
    const api = withRateLimit(ok, { limiter: unused, trustAuthorizer: true });
    const through = async () => {
      const { context } = (await authorizer(httpApiAuthorizerEvent())) as SimpleResult;
      const event: ProxyEventV2 = { ...proxyV2Event(), requestContext: { authorizer: { lambda: context } } };
      return api(event);
    };
    expect((await through()).statusCode).toBe(200);
    const denied = await through();
    expect(denied.statusCode).toBe(429);
    expect(denied.headers).toMatchObject({ "Retry-After": "50", RateLimit: '"per-minute";r=0;t=50' });
    expect(problemOf(denied.body)).toMatchObject({ status: 429, "violated-policies": ["per-minute"] });
  });

  it("reads a REST authorizer's stringified context, and asks the limiter when there is none", async () => {
    const api = withRateLimit(ok, { limiter: unused, trustAuthorizer: true });
    const rest = (authorizer: Record<string, string>) => ({ ...proxyV1Event(), requestContext: { authorizer } });
    const allowed = await api(rest({ rl_status: "allowed", rl_retry_after: "0", rl_ratelimit: '"d";r=3;t=9' }));
    expect(allowed).toEqual({ statusCode: 200, body: "ok", headers: { RateLimit: '"d";r=3;t=9' } });
    expect((await api(rest({ rl_status: "unavailable" }))).statusCode).toBe(503);
    await expect(api(proxyV1Event())).rejects.toThrow("the limiter must not be asked");
  });
});
