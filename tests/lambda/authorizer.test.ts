import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthorizer, header, type PolicyResult, type SimpleResult } from "../../lambda/index.ts";
import { ConfigError } from "../../src/index.ts";
import { consoleRequestEvent, httpApiAuthorizerEvent, restRequestEvent } from "./events.ts";
import { dynamoLimiter, limiterTable } from "./limiters.ts";

let table: Awaited<ReturnType<typeof limiterTable>>;
beforeAll(async () => {
  table = await limiterTable();
});
afterAll(() => table.db.destroy());

const allowedContext = (remaining: number) => ({
  rl_status: "allowed",
  rl_limit: 2,
  rl_remaining: remaining,
  rl_reset: 50,
  rl_retry_after: 0,
  rl_ratelimit: `"per-minute";r=${remaining};t=50`,
  rl_ratelimit_policy: '"per-minute";q=2;w=60',
});
const limitedContext = {
  rl_status: "limited",
  rl_limit: 2,
  rl_remaining: 0,
  rl_reset: 50,
  rl_retry_after: 50,
  rl_ratelimit: '"per-minute";r=0;t=50',
  rl_ratelimit_policy: '"per-minute";q=2;w=60',
  rl_violated: "per-minute",
};
const policy = (effect: "Allow" | "Deny", resource: string) => ({
  Version: "2012-10-17",
  Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: resource }],
});
const REST_STAGE = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/*";

describe("REST REQUEST authorizer", () => {
  it("allows up to the limit, then denies, with the stage-wide resource and rl_ context", async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 2) });
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await handler(restRequestEvent())) as PolicyResult);
    expect(results.map((r) => r.principalId)).toEqual(["ip:203.0.113.7", "ip:203.0.113.7", "ip:203.0.113.7"]);
    expect(results[0]).toEqual({
      principalId: "ip:203.0.113.7",
      policyDocument: policy("Allow", REST_STAGE),
      context: allowedContext(1),
    });
    expect(results[1]!.context).toEqual(allowedContext(0));
    expect(results[2]).toEqual({
      principalId: "ip:203.0.113.7",
      policyDocument: policy("Deny", REST_STAGE),
      context: limitedContext,
    });
    // Another client has its own bucket.
    expect(((await handler(restRequestEvent("198.51.100.9"))) as PolicyResult).context.rl_status).toBe("allowed");
  });

  it("keeps context keys to [A-Za-z0-9_] and values to strings and numbers", async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 1) });
    for (const result of [await handler(restRequestEvent()), await handler(restRequestEvent())]) {
      for (const [name, value] of Object.entries(result.context)) {
        expect(name).toMatch(/^[A-Za-z0-9_]+$/);
        expect(["string", "number"]).toContain(typeof value);
      }
    }
  });

  it("buckets IPv6 clients by /56", async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 1) });
    const first = (await handler(restRequestEvent("2001:db8:aa:bb01::1"))) as PolicyResult;
    const second = (await handler(restRequestEvent("2001:db8:aa:bbff::2"))) as PolicyResult;
    expect(first.principalId).toBe("ip:2001:db8:aa:bb00::/56");
    expect(second.policyDocument.Statement[0].Effect).toBe("Deny");
  });

  it("shares one ip:unknown bucket among requests without a usable sourceIp (console tests, null maps)", async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 2) });
    const missing = restRequestEvent(null);
    const results = [
      await handler(consoleRequestEvent()),
      await handler(missing),
      await handler(consoleRequestEvent()),
    ];
    expect(results.map((r) => (r as PolicyResult).principalId)).toEqual(["ip:unknown", "ip:unknown", "ip:unknown"]);
    expect(results.map((r) => (r as PolicyResult).policyDocument.Statement[0].Effect)).toEqual([
      "Allow",
      "Allow",
      "Deny",
    ]);
    expect((results[0] as PolicyResult).policyDocument.Statement[0].Resource).toBe(
      "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test-invoke-stage/*",
    );
  });

  it('answers 401 for a missing sourceIp under missingKey: "unauthorized"', async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 2), missingKey: "unauthorized" });
    await expect(handler(consoleRequestEvent())).rejects.toThrow(/^Unauthorized$/);
  });
});

describe("authenticate", () => {
  it("throws exactly Unauthorized (401) when it returns false, and consumes nothing", async () => {
    const limiter = dynamoLimiter(table, 1);
    const handler = createAuthorizer({
      limiter,
      authenticate: (event) => header("headers" in event ? event.headers : null, "headerauth1") === "headerValue1",
    });
    const stranger = restRequestEvent();
    stranger.headers = { ...stranger.headers, HeaderAuth1: "wrong" };
    const error = await handler(stranger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("Unauthorized");
    expect((await limiter.peek("ip:203.0.113.7")).remaining).toBe(1);
    // Case-insensitive header lookup: the event's header is "HeaderAuth1".
    expect(((await handler(restRequestEvent())) as PolicyResult).policyDocument.Statement[0].Effect).toBe("Allow");
  });

  it("passes other errors through (500), and a rate-limit denial stays a Deny", async () => {
    const broken = createAuthorizer({
      limiter: dynamoLimiter(table, 1),
      authenticate: () => {
        throw new TypeError("bug");
      },
    });
    await expect(broken(restRequestEvent())).rejects.toThrow(TypeError);
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 1), authenticate: () => true });
    await handler(restRequestEvent());
    expect(((await handler(restRequestEvent())) as PolicyResult).policyDocument.Statement[0].Effect).toBe("Deny");
  });

  it("sets principal, key and extra context", async () => {
    const handler = createAuthorizer({
      limiter: dynamoLimiter(table, 1),
      authenticate: () => ({ principalId: "user-42", key: "user:42", context: { tenant_id: "acme", admin: false } }),
    });
    const first = (await handler(restRequestEvent("198.51.100.1"))) as PolicyResult;
    const second = (await handler(restRequestEvent("198.51.100.2"))) as PolicyResult;
    expect(first.principalId).toBe("user-42");
    expect(first.context).toMatchObject({ tenant_id: "acme", admin: false, rl_status: "allowed" });
    expect(second.policyDocument.Statement[0].Effect).toBe("Deny"); // same user, another IP
    const bad = createAuthorizer({ limiter: dynamoLimiter(table, 1), authenticate: () => ({ context: { "a-b": 1 } }) });
    await expect(bad(restRequestEvent())).rejects.toThrow(/^\[edgelimit\] \[lambda\] authorizer context "a-b"/);
  });
});

describe("HTTP API payload 2.0 authorizer", () => {
  it("answers simple responses by default: isAuthorized true, then false", async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 2) });
    const results = [] as SimpleResult[];
    for (let i = 0; i < 3; i++) results.push((await handler(httpApiAuthorizerEvent())) as SimpleResult);
    expect(results).toEqual([
      { isAuthorized: true, context: allowedContext(1) },
      { isAuthorized: true, context: allowedContext(0) },
      { isAuthorized: false, context: limitedContext },
    ]);
  });

  it("answers the IAM form in iam mode, for the route ARN's stage", async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 1), httpApiMode: "iam" });
    await handler(httpApiAuthorizerEvent());
    expect(await handler(httpApiAuthorizerEvent())).toEqual({
      principalId: "ip:203.0.113.7",
      policyDocument: policy("Deny", REST_STAGE),
      context: { ...limitedContext, rl_limit: 1, rl_ratelimit_policy: '"per-minute";q=1;w=60' },
    });
  });

  it("allows limited requests in allow-with-context mode, with rl_status limited for the backend", async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 1), httpApiMode: "allow-with-context" });
    await handler(httpApiAuthorizerEvent());
    const result = (await handler(httpApiAuthorizerEvent())) as SimpleResult;
    expect(result.isAuthorized).toBe(true);
    expect(result.context).toMatchObject({ rl_status: "limited", rl_retry_after: 50 });
  });

  it("falls back to ip:unknown without requestContext.http.sourceIp", async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 1), httpApiMode: "iam" });
    expect(((await handler(httpApiAuthorizerEvent(null))) as PolicyResult).principalId).toBe("ip:unknown");
  });

  it("treats payload 1.0 events from an HTTP API like REST REQUEST events", async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 1) });
    const event = { ...restRequestEvent(), version: "1.0" as const };
    expect(((await handler(event)) as PolicyResult).policyDocument.Statement[0].Effect).toBe("Allow");
  });
});

describe("misuse", () => {
  it("rejects bad options at creation and non-authorizer events at run time", async () => {
    const limiter = dynamoLimiter(table, 1);
    expect(() => createAuthorizer({ limiter, httpApiMode: "deny" as never })).toThrow(/httpApiMode must be one of/);
    expect(() => createAuthorizer({ limiter: {} as never })).toThrow(ConfigError);
    expect(() => createAuthorizer({ limiter: {} as never })).toThrow(
      "[lambda] createAuthorizer: limiter must be a limiter from createRateLimiter()",
    );
    const handler = createAuthorizer({ limiter });
    await expect(handler({ type: "REQUEST" } as never)).rejects.toThrow(/^\[edgelimit\] \[lambda\] not an API Gateway/);
    await expect(handler({ ...restRequestEvent(), methodArn: "nonsense" })).rejects.toThrow(/malformed method ARN/);
  });
});
