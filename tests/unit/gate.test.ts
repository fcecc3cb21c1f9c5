// The request gate every adapter runs (src/http/gate.ts), driven directly with a made-up platform: the request is
// a plain object, and the adapter's glue is the setup below.
import { describe, expect, it } from "vitest";
import { createGate, type GateOptions, type Passage } from "../../src/http/gate.ts";
import { ConfigError, concurrency, createRateLimiter, fixedWindow, type RateLimiter } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";

interface Req {
  ip?: string;
  user?: string;
  env?: { limit: number };
}
const NOW = 1_700_000_000_000; // 20 s into a minute
const limiterOf = (limit: number): RateLimiter =>
  createRateLimiter({
    store: memoryStore(),
    rules: [fixedWindow({ limit, window: "1m", name: "api" })],
    clock: () => NOW,
  });
const gateOf = (options: GateOptions<[Req], { req: Req }> & { limiter?: unknown }, keyFallsBack = false) =>
  createGate(options, {
    where: "[test] gate",
    limiter: options.limiter,
    built: { argOf: (req: Req) => req.env, envOf: (env: object) => env },
    defaultKey: (req) => req.ip,
    keyFallsBack,
    eventOf: (req) => ({ req }),
  });
const summary = (p: Passage) =>
  p.decision ? `${p.key} ${p.decision.reason} ${p.decision.remaining}` : p.refused ? "refused" : "skipped";

describe("createGate", () => {
  it("applies the missing-key policy: shared bucket, refused, or skipped, and asks the limiter only for shared", async () => {
    const limiter = limiterOf(5);
    const pass = (missingKey: "shared" | "deny" | "skip") => gateOf({ limiter, missingKey })(undefined, {});
    expect(summary(await pass("shared"))).toBe("unknown allowed 4");
    expect(summary(await pass("deny"))).toBe("refused");
    expect(summary(await pass("skip"))).toBe("skipped");
    expect((await limiter.peek("unknown")).remaining).toBe(4);
    // "" is no key either; a user key that returns undefined falls back to the default only when the adapter says so.
    expect(summary(await gateOf({ limiter, key: () => "", missingKey: "deny" })(undefined, { ip: "a" }))).toBe(
      "refused",
    );
    expect(summary(await gateOf({ limiter, key: () => undefined }, true)(undefined, { ip: "a" }))).toBe("a allowed 4");
    expect(summary(await gateOf({ limiter, key: () => undefined })(undefined, { ip: "a" }))).toBe("unknown allowed 3");
  });

  it("takes cost as a number or a function of the request, and gives headers with Retry-After on a denial", async () => {
    const gate = gateOf({ limiter: limiterOf(5), key: (req) => req.user, cost: (req) => (req.user === "big" ? 5 : 2) });
    expect(summary(await gate(undefined, { user: "small" }))).toBe("small allowed 3");
    expect(summary(await gate(undefined, { user: "big" }))).toBe("big allowed 0");
    const denied = await gate(undefined, { user: "big" });
    expect(summary(denied)).toBe("big limited 0");
    expect(denied.decision && "headers" in denied ? denied.headers : undefined).toEqual({
      "Retry-After": "40",
      "RateLimit-Policy": '"api";q=5;w=60',
      RateLimit: '"api";r=0;t=40',
    });
    const fixed = gateOf({ limiter: limiterOf(5), cost: 4, format: "legacy" });
    const passage = await fixed(undefined, { ip: "b" });
    expect(summary(passage)).toBe("b allowed 1");
    expect("headers" in passage && passage.headers["X-RateLimit-Remaining"]).toBe("1");
  });

  it("hands onDecision to background, or awaits it; its errors are ignored", async () => {
    const seen: string[] = [];
    const gate = gateOf({
      limiter: limiterOf(5),
      onDecision: async ({ req, key, decision }) => {
        await Promise.resolve();
        seen.push(`${req.ip} ${key} ${decision.remaining}`);
        throw new Error("ignored");
      },
    });
    const pending: Promise<unknown>[] = [];
    await gate((p) => pending.push(p), { ip: "c" });
    expect([pending.length, seen]).toEqual([1, []]);
    await Promise.all(pending);
    await gate(undefined, { ip: "c" });
    expect(seen).toEqual(["c c 4", "c c 3"]);
    await gate(undefined, {}); // the shared bucket: a decision, reported
    expect(seen).toEqual(["c c 4", "c c 3", "undefined unknown 4"]);
    const skipping = gateOf({ limiter: limiterOf(5), missingKey: "skip", onDecision: () => seen.push("skip") });
    expect(await skipping(undefined, {})).toEqual({ decision: undefined, refused: false });
    expect(seen).toHaveLength(3); // a skipped request has no decision to report
  });

  it("builds a limiter function once per env object, and hands back the release of the leases", async () => {
    let built = 0;
    const gate = gateOf({
      limiter: (env: { limit: number }) => {
        built++;
        return createRateLimiter({ store: memoryStore(), rules: [concurrency({ limit: env.limit, lease: "30s" })] });
      },
    });
    const env = { limit: 1 };
    const first = await gate(undefined, { ip: "d", env });
    expect(summary(await gate(undefined, { ip: "d", env }))).toBe("d limited 0");
    expect(built).toBe(1);
    await gate(undefined, { ip: "d", env: { limit: 1 } });
    expect(built).toBe(2);
    const release = "release" in first ? first.release : undefined;
    await release?.();
    await release?.(); // idempotent
    expect(summary(await gate(undefined, { ip: "d", env }))).toBe("d allowed 0");
  });

  it("throws one ConfigError listing every bad option, prefixed with the adapter", () => {
    let error: unknown;
    try {
      gateOf({
        limiter: {},
        key: "ip" as never,
        missingKey: "drop" as never,
        cost: "1" as never,
        format: "x" as never,
      });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "[test] gate: limiter must be a limiter from createRateLimiter() or a function that returns one",
      "[test] gate: key must be a function of the request",
      '[test] gate: missingKey must be "shared", "deny" or "skip", got "drop"',
      '[test] gate: cost must be a whole number ≥ 0 or a function of the request, got "1"',
      '[test] gate: format must be one of draft-8, draft-7, draft-6, legacy, got "x"',
    ]);
  });
});
