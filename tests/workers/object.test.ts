import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { durableObjectStore, type ObjectStats, type RateLimiterObject } from "../../durable-objects/index.ts";
import {
  createRateLimiter,
  fixedWindow,
  gcra,
  type RuleInput,
  StoreError,
  slidingWindow,
  tokenBucket,
} from "../../src/index.ts";
import { evaluatorsOf } from "../../src/store-entry.ts";

const stubFor = (name: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));
const statsOf = (name: string) =>
  runInDurableObject(stubFor(name), (instance: RateLimiterObject) => ({ ...instance.stats }));
const limiterOf = (prefix: string, rules: RuleInput[]) =>
  createRateLimiter({ store: durableObjectStore(env.RATE_LIMITER), rules, prefix, onStoreError: "throw" });
const storedRows = (name: string) =>
  runInDurableObject(stubFor(name), (_, state) => {
    const table = state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'edgelimit_state'").toArray();
    return table.length === 0
      ? []
      : state.storage.sql.exec("SELECT key, rules, expires_at FROM edgelimit_state").toArray();
  });

/** Billed SQLite rows written: rows the statements wrote, plus one per setAlarm. */
const billed = (s: ObjectStats) => s.sqlRowsWritten + s.alarmsSet;

describe("RateLimiterObject", () => {
  // The first write of an object also creates its table (2 rows) and sets its alarm (billed as 1 row).
  it("costs one request per decision (0 for a repeated denial, from the deny cache); allowed writes 1 row (4 for a new object), denied 0", async () => {
    const rules = [gcra({ limit: 3, period: "1h", name: "g" }), fixedWindow({ limit: 100, window: "1d", name: "f" })];
    const limiter = limiterOf("rows", rules);
    const per: { allowed: boolean; requests: number; rows: number; sqlRows: number; alarms: number }[] = [];
    let before: ObjectStats = {
      requests: 0,
      allowed: 0,
      denied: 0,
      released: 0,
      settled: 0,
      sqlRowsWritten: 0,
      sqlRowsRead: 0,
      alarmsSet: 0,
      alarmRuns: 0,
    };
    for (let i = 0; i < 6; i++) {
      const { allowed } = await limiter.limit("k");
      const after = await statsOf("rows:k");
      per.push({
        allowed,
        requests: after.requests - before.requests,
        rows: billed(after) - billed(before),
        sqlRows: after.sqlRowsWritten - before.sqlRowsWritten,
        alarms: after.alarmsSet - before.alarmsSet,
      });
      before = after;
    }
    console.log("per decision (two rules on one key):", JSON.stringify(per));
    expect(per.map((p) => p.allowed)).toEqual([true, true, true, false, false, false]);
    // The first denial asks the object; the limiter's deny cache answers the repeats until retryAfterMs.
    expect(per.map((p) => p.requests)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(per.map((p) => p.alarms)).toEqual([1, 0, 0, 0, 0, 0]);
    expect(per.map((p) => p.sqlRows)).toEqual([3, 1, 1, 0, 0, 0]);
    expect(per.map((p) => p.rows)).toEqual([4, 1, 1, 0, 0, 0]);
    // peek and reset: one request each; peek writes nothing.
    await limiter.peek("k", { cost: 0 });
    const afterPeek = await statsOf("rows:k");
    expect([afterPeek.requests - before.requests, billed(afterPeek) - billed(before)]).toEqual([1, 0]);
  });

  it("keeps state across an eviction (a fresh instance reads it back from SQLite)", async () => {
    const rules: Record<string, RuleInput> = {
      fixedWindow: fixedWindow({ limit: 5, window: "1d" }),
      slidingWindow: slidingWindow({ limit: 5, window: "1d" }),
      tokenBucket: tokenBucket({ capacity: 5, refillRate: 1, interval: "1h" }),
      gcra: gcra({ limit: 5, period: "1h" }),
    };
    for (const [name, rule] of Object.entries(rules)) {
      const limiter = limiterOf("evict", [rule]);
      await limiter.limit(name, { cost: 3 });
      const stub = stubFor(`evict:${name}`);
      await evictDurableObject(stub);
      expect((await statsOf(`evict:${name}`)).requests, `${name}: a new instance`).toBe(0);
      const after = await limiter.limit(name, { cost: 2 });
      expect([after.allowed, after.remaining], name).toEqual([true, 0]);
      expect((await limiter.limit(name)).allowed, name).toBe(false);
    }
  });

  it("an alarm deletes all storage once the key is idle past its expiry, and re-arms while it is live", async () => {
    const limiter = limiterOf("alarm", [fixedWindow({ limit: 5, window: "1h" })]);
    await limiter.limit("k", { cost: 2 });
    const name = "alarm:k";
    const [row] = await storedRows(name);
    const expiresAt = row!.expires_at as number;
    expect(await runInDurableObject(stubFor(name), (_, state) => state.storage.getAlarm())).toBe(expiresAt);

    // Still live: the alarm keeps the state and sets itself for the expiry again.
    expect(await runDurableObjectAlarm(stubFor(name))).toBe(true);
    expect(await storedRows(name)).toHaveLength(1);
    expect(await runInDurableObject(stubFor(name), (_, state) => state.storage.getAlarm())).toBe(expiresAt);

    // Time passes (moved by rewriting the expiry): the next alarm deletes everything, alarm included.
    await runInDurableObject(stubFor(name), (_, state) => {
      state.storage.sql.exec("UPDATE edgelimit_state SET expires_at = ?", Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(stubFor(name))).toBe(true);
    expect(await storedRows(name)).toEqual([]);
    expect(await runInDurableObject(stubFor(name), (_, state) => state.storage.getAlarm())).toBeNull();
    expect((await statsOf(name)).alarmRuns).toBe(2);

    // The object works again after deleteAll (its table is recreated) and the key starts fresh.
    expect((await limiter.limit("k")).remaining).toBe(4);
    expect(await storedRows(name)).toHaveLength(1);
  });

  it("decides on the object's clock by default and reports it as the decision's time", async () => {
    const skewed = createRateLimiter({
      store: durableObjectStore(env.RATE_LIMITER),
      rules: [fixedWindow({ limit: 5, window: "1h" })],
      prefix: "clock",
      clock: () => Date.now() + 86_400_000, // a caller one day ahead
    });
    const before = Date.now();
    const decision = await skewed.limit("k");
    expect(decision.now).toBeGreaterThanOrEqual(before);
    expect(decision.now).toBeLessThan(before + 60_000);
  });

  it("turns errors into StoreErrors named durable-object, and answers ping and reset", async () => {
    const store = durableObjectStore(env.RATE_LIMITER);
    await store.ping(undefined);
    const limiter = limiterOf("reset", [fixedWindow({ limit: 2, window: "1h" })]);
    await limiter.limit("k", { cost: 2 });
    await limiter.reset("k");
    expect((await limiter.peek("k")).remaining).toBe(2);
    const failing = durableObjectStore({
      idFromName: (name) => env.RATE_LIMITER.idFromName(name),
      get: () => ({
        apply: () => Promise.reject(new Error("Durable Object is overloaded")),
        reset: () => new Promise<void>(() => {}), // never answers
        release: () => Promise.resolve(),
        ping: () => Promise.resolve(0),
      }),
    });
    const { rules } = limiter.config;
    const request = {
      key: "x",
      rules,
      evaluators: evaluatorsOf(rules),
      cost: 1,
      now: 0,
      consume: true,
      signal: undefined,
    };
    const error = await failing.apply(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({
      store: "durable-object",
      message: "[edgelimit] [durable-object] apply failed: Durable Object is overloaded",
    });
    // An RPC call cannot be cancelled: an abort rejects at once with the signal's reason.
    const controller = new AbortController();
    const pending = failing.reset("x", controller.signal);
    controller.abort(new Error("gave up"));
    await expect(pending).rejects.toThrow("gave up");
  });
});
