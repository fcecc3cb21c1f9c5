import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorker, startDemo } from "../support/npm-start.ts";

// `npm start` as a newcomer runs it: wrangler dev serving the demo Worker (GCRA, 10 per minute per client IP).
describe("npm start", () => {
  let demo: RunningWorker | undefined;
  let base = "";
  beforeAll(async () => {
    demo = await startDemo();
    base = demo.url;
  }, 70_000);

  afterAll(async () => {
    await demo?.stop();
  });

  it("serves the demo: 10 allowed with RateLimit headers, then 429 with Retry-After and problem+json", async () => {
    const get = () => fetch(`${base}/`, { headers: { "CF-Connecting-IP": "203.0.113.77" } });
    for (let i = 0; i < 10; i++) {
      const response = await get();
      expect(response.status, `request ${i + 1}`).toBe(200);
      expect(response.headers.get("ratelimit-policy")).toBe('"demo";q=10;w=60');
      expect(response.headers.get("ratelimit")).toMatch(new RegExp(`^"demo";r=${9 - i};t=\\d+$`));
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ allowed: true, limit: 10, remaining: 9 - i, key: "203.0.113.77" });
    }
    const denied = await get();
    expect(denied.status).toBe(429);
    expect(denied.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(denied.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(denied.headers.get("retry-after"))).toBeLessThanOrEqual(6);
    expect(denied.headers.get("ratelimit")).toMatch(/^"demo";r=0;t=\d+$/);
    expect(await denied.json()).toMatchObject({
      status: 429,
      title: "Too Many Requests",
      "violated-policies": ["demo"],
    });
    // Another client is not affected.
    const other = await fetch(`${base}/`, { headers: { "CF-Connecting-IP": "203.0.113.78" } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });
});
