import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRateLimiter, fixedWindow } from "../../src/index.ts";
import { upstashStore } from "../../src/stores/upstash.ts";
import { manualClock, scriptCacheFaults } from "../../src/testing/index.ts";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";

let backend: UpstashBackend;
beforeAll(async () => {
  backend = await startUpstashBackend();
});
afterAll(() => backend.stop());

describe("edgelimit/testing scriptCacheFaults, on @upstash/redis against the local Upstash bridge", () => {
  it("after flushScripts(), one EVALSHA gets NOSCRIPT, the store falls back to EVAL once, and counts stay exact", async () => {
    const redis = scriptCacheFaults(new Redis({ url: backend.url, token: backend.token, enableTelemetry: false }));
    const rules = [fixedWindow({ limit: 3, window: "1m" })];
    const limiter = createRateLimiter({ store: upstashStore({ redis }), rules, clock: manualClock(), prefix: "kit" });
    expect((await limiter.limit("k")).remaining).toBe(2);
    expect(redis.noscripts).toBe(0);
    redis.flushScripts();
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, degraded: false, remaining: 1 });
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, degraded: false, remaining: 0 });
    expect(redis.noscripts).toBe(1);
    await expect(redis.evalsha("0".repeat(40), [], [])).rejects.toThrow("NOSCRIPT No matching script");
  });
});
