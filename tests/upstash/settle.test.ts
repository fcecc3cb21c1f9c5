import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, createRateLimiter, fixedWindow, settleCosts, tokenBucket } from "../../src/index.ts";
import { upstashSettle, upstashStore } from "../../src/stores/upstash.ts";
import { UPSTASH_SCRIPT } from "../../src/stores/upstash-script.ts";
import { tomorrowAt } from "../support/clock.ts";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";

let started: Promise<UpstashBackend> | undefined;
const backend = () => {
  started ??= startUpstashBackend();
  return started;
};
afterAll(async () => (await started)?.stop());

describe("upstashSettle: the script with its settle mode", () => {
  it("has its pinned SHA-1 (update it whenever either script changes)", () => {
    expect(createHash("sha1").update(upstashSettle.script).digest("hex")).toBe(upstashSettle.sha1);
  });

  it("is the plain script with one part added after `run`, so it decides as the plain one does", () => {
    const plain = UPSTASH_SCRIPT.split("\n");
    const settling = upstashSettle.script.split("\n");
    const at = settling.indexOf("local at=#mode>1 and mode+0");
    const added = settling.length - plain.length;
    // Everything up to the end of `run` (its last lines: `return r`, `end`) as it is, then the settle part, then the rest.
    expect(plain.slice(at - 2, at)).toEqual(["return r", "end"]);
    expect(plain.slice(0, at).join("\n")).toContain("local function run(");
    expect(settling.slice(0, at)).toEqual(plain.slice(0, at));
    expect(settling.slice(at + added)).toEqual(plain.slice(at));
  });

  it("a store made without it cannot settle: a ConfigError names upstashSettle", async () => {
    const { url, token } = await backend();
    const make = (store: ReturnType<typeof upstashStore>) =>
      createRateLimiter({ store, rules: [fixedWindow({ limit: 5, window: "1m" })], settle: settleCosts() });
    expect(() => make(upstashStore({ url, token }))).toThrow(ConfigError);
    expect(() => make(upstashStore({ url, token }))).toThrow(/upstashSettle/);
    expect(() => make(upstashStore({ url, token, settle: upstashSettle }))).not.toThrow();
  });

  it("settles with one EVALSHA: a refund and a forced charge, counted in the bridge", async () => {
    const { url, token } = await backend();
    let requests = 0;
    const counted = (input: string, init: RequestInit) => {
      requests++;
      return fetch(input, init);
    };
    const now = tomorrowAt(250);
    const limiter = createRateLimiter({
      store: upstashStore({ url, token, settle: upstashSettle, fetch: counted }),
      rules: [tokenBucket({ capacity: 10, refillRate: 1, interval: "1h" })],
      prefix: `settle-${Math.random().toString(36).slice(2)}`,
      clock: () => now,
      onStoreError: "throw",
      settle: settleCosts(),
    });
    const d = await limiter.limit("k", { cost: 6 });
    const before = requests;
    await d.settle!(2);
    expect(requests - before).toBe(1);
    expect((await limiter.peek("k")).remaining).toBe(8);
    await (await limiter.limit("k")).settle!(12); // 11 more: 8 − 1 − 11 = −4 tokens
    const denied = await limiter.limit("k");
    expect([denied.allowed, denied.remaining, denied.retryAfterMs]).toEqual([false, 0, 5 * 3_600_000]);
  });
});
