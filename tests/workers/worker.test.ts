import { createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { durableObjectStore } from "../../durable-objects/index.ts";
import { createRateLimiter, type Decision, gcra } from "../../src/index.ts";
import { withRateLimit } from "../../workers/index.ts";

// The demo Worker runs with DEMO_LIMIT=50 and DEMO_PERIOD=1h here (vitest.config.ts): a burst of 50, then one
// request every 72 s, so a test that takes less than that sees exact counts.
const get = (ip: string | undefined, path = "/") =>
  SELF.fetch(`https://demo.example${path}`, { headers: ip ? { "CF-Connecting-IP": ip } : {} });

describe("the demo Worker", () => {
  it("admits exactly 50 of 200 parallel requests from one IP and answers the rest with 429", async () => {
    const responses = await Promise.all(Array.from({ length: 200 }, () => get("198.51.100.7")));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(statuses.filter((s) => s === 429)).toHaveLength(150);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect((await get("198.51.100.8")).status).toBe(200); // another IP has its own quota
  });

  it("sends RateLimit headers and the decision as JSON", async () => {
    const first = await get("192.0.2.1");
    expect(first.status).toBe(200);
    expect(first.headers.get("RateLimit-Policy")).toBe('"demo";q=50;w=3600');
    expect(first.headers.get("RateLimit")).toBe('"demo";r=49;t=72');
    expect(first.headers.get("Retry-After")).toBeNull();
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ allowed: true, limit: 50, remaining: 49, reason: "allowed", degraded: false });
    expect(body.key).toBe("192.0.2.1");
  });

  it("answers a 429 with Retry-After, RateLimit headers and a problem+json body", async () => {
    const ip = "2001:db8:1:2::9";
    for (let i = 0; i < 50; i++) expect((await get(ip)).status).toBe(200);
    const denied = await get("2001:db8:1:2::ffff"); // the same /56: the same bucket
    expect(denied.status).toBe(429);
    expect(denied.headers.get("Content-Type")).toBe("application/problem+json");
    expect(denied.headers.get("Retry-After")).toBe("72");
    expect(denied.headers.get("RateLimit-Policy")).toBe('"demo";q=50;w=3600');
    expect(denied.headers.get("RateLimit")).toBe('"demo";r=0;t=3600');
    expect(await denied.json()).toEqual({
      type: "https://iana.org/assignments/http-problem-types#quota-exceeded",
      title: "Too Many Requests",
      status: 429,
      detail: "Quota exceeded; retry in 72 seconds.",
      "violated-policies": ["demo"],
    });
  });

  it("puts requests without CF-Connecting-IP in one shared bucket", async () => {
    const a = await get(undefined);
    const b = await get(undefined);
    expect(a.headers.get("RateLimit")).toBe('"demo";r=49;t=72');
    expect(b.headers.get("RateLimit")).toBe('"demo";r=48;t=144');
  });
});

describe("withRateLimit", () => {
  const limiterOf = (limit: number, prefix: string) =>
    createRateLimiter({ store: durableObjectStore(env.RATE_LIMITER), rules: [gcra({ limit, period: "1h" })], prefix });

  it("builds the limiter once per env, keys by key(), formats headers, and runs onDecision in waitUntil", async () => {
    let built = 0;
    const seen: Decision[] = [];
    const worker = withRateLimit<Cloudflare.Env>(
      { fetch: () => new Response("ok") },
      {
        limiter: () => {
          built++;
          return limiterOf(2, "wrap");
        },
        key: (request) => request.headers.get("X-User") ?? undefined,
        format: "legacy",
        onDecision: async ({ decision }) => {
          await Promise.resolve();
          seen.push(decision);
        },
      },
    );
    const call = async (user: string) => {
      const ctx = createExecutionContext();
      const response = await worker.fetch!(new Request("https://x/", { headers: { "X-User": user } }), env, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call("u1")).status);
    expect(statuses).toEqual([200, 200, 429]);
    const other = await call("u2");
    expect(other.headers.get("X-RateLimit-Limit")).toBe("2");
    expect(other.headers.get("X-RateLimit-Remaining")).toBe("1");
    expect(built).toBe(1);
    expect(seen.map((d) => d.allowed)).toEqual([true, true, false, true]);
  });

  it("missingKey: deny answers 400 and skip passes through unlimited", async () => {
    const make = (missingKey: "deny" | "skip") =>
      withRateLimit<Cloudflare.Env>(
        { fetch: () => new Response("ok") },
        { limiter: limiterOf(1, `missing-${missingKey}`), missingKey },
      );
    const ctx = createExecutionContext();
    const denied = await make("deny").fetch!(new Request("https://x/"), env, ctx);
    expect(denied.status).toBe(400);
    const skipped = await make("skip").fetch!(new Request("https://x/"), env, ctx);
    expect(skipped.status).toBe(200);
    expect(skipped.headers.get("RateLimit")).toBeNull();
  });

  it("adds headers to a response whose headers are immutable", async () => {
    const worker = withRateLimit<Cloudflare.Env>(
      { fetch: () => Response.redirect("https://example.com/", 302) },
      { limiter: limiterOf(5, "immutable"), key: () => "k" },
    );
    const response = await worker.fetch!(new Request("https://x/"), env, createExecutionContext());
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("https://example.com/");
    expect(response.headers.get("RateLimit")).toBe('"gcra-5-per-1h-burst-5";r=4;t=720');
  });
});
