import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  concurrency,
  createRateLimiter,
  fixedWindow,
  gcra,
  type RuleInput,
  slidingWindow,
  tenantLimits,
  tokenBucket,
} from "../../src/index.ts";
import { type UpstashStoreOptions, upstashQuotas, upstashStore } from "../../src/stores/upstash.ts";
import { RespConnection } from "../support/resp.ts";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";

let backend: UpstashBackend;
let admin: RespConnection;
beforeAll(async () => {
  backend = await startUpstashBackend();
  admin = await RespConnection.connect(backend.redisPort);
});
afterAll(async () => {
  admin?.close();
  await backend?.stop();
});

/** Redis commands run while `work` runs, from `INFO commandstats` (our own CONFIG/INFO left out). */
async function commandsDuring(work: () => Promise<unknown>): Promise<Record<string, number>> {
  await admin.send([["CONFIG", "RESETSTAT"]]);
  await work();
  const [info] = await admin.send([["INFO", "commandstats"]]);
  const text = info?.type === "bulk" ? String(info.value) : "";
  const counts: Record<string, number> = {};
  for (const [, name, calls] of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (name !== "info" && !name!.startsWith("config")) counts[name!] = Number(calls);
  }
  return counts;
}
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

const T = Date.UTC(2031, 0, 1, 0, 0, 0, 123);
const ALLOWED = { evalsha: 1, get: 1, set: 1 };
const DENIED = { evalsha: 1, get: 1 };
const RULES: Record<string, RuleInput[]> = {
  slidingWindow: [slidingWindow({ limit: 2, window: "1m" })],
  tokenBucket: [tokenBucket({ capacity: 2, refillRate: 1, interval: "1m" })],
  gcra: [gcra({ limit: 2, period: "1m" })],
  concurrency: [concurrency({ limit: 2, lease: "30s" })],
  "concurrency + fixedWindow": [concurrency({ limit: 2 }), fixedWindow({ limit: 100, window: "1h" })],
  "3 rules on one key (gcra + fixedWindow + slidingWindow)": [
    gcra({ limit: 2, period: "1m" }),
    fixedWindow({ limit: 100, window: "1h" }),
    slidingWindow({ limit: 50, window: "1d" }),
  ],
};

describe("commands billed per decision (INFO commandstats on the real redis-server)", () => {
  const rows: string[] = [];
  afterAll(() => console.log(`commands per decision (allowed / denied):\n${rows.join("\n")}`));

  for (const [name, rules] of Object.entries(RULES)) {
    it(`${name}: 3 per allowed decision (EVALSHA, GET, SET), 2 per denied one or peek (EVALSHA, GET)`, async () => {
      const store = upstashStore({ url: backend.url, token: backend.token });
      const limiter = createRateLimiter({
        store,
        rules,
        clock: () => T,
        onStoreError: "throw",
        prefix: "cmd",
        denyCache: false,
      });
      await limiter.peek("warm-up"); // loads the script (NOSCRIPT → EVAL) once
      const first = await commandsDuring(() => limiter.limit(name));
      const second = await commandsDuring(() => limiter.limit(name));
      const denied = await commandsDuring(async () => expect((await limiter.limit(name)).allowed).toBe(false));
      const peek = await commandsDuring(() => limiter.peek(name));
      expect([first, second, denied, peek]).toEqual([ALLOWED, ALLOWED, DENIED, DENIED]);
      rows.push(`  ${name}: ${total(second)} / ${total(denied)}`);
    });
  }

  it("a release: 3 when it frees a lease (EVALSHA, GET, SET), 2 when none matched (EVALSHA, GET)", async () => {
    const store = upstashStore({ url: backend.url, token: backend.token });
    const rules = [concurrency({ limit: 2 }), fixedWindow({ limit: 100, window: "1h" })];
    const limiter = createRateLimiter({ store, rules, clock: () => T, onStoreError: "throw", prefix: "cmd" });
    await limiter.peek("warm-up");
    const held = await limiter.limit("release");
    const freed = await commandsDuring(() => held.release!());
    const again = await commandsDuring(() => held.release!());
    const unknownKey = await commandsDuring(() => limiter.release("never-held", held.leaseId!));
    expect([freed, again, unknownKey]).toEqual([ALLOWED, DENIED, DENIED]);
    rows.push(`  release (freed / none matched): ${total(freed)} / ${total(again)}`);
  });

  describe("fixed windows alone: a counter per rule, so 2 per allowed decision like @upstash/ratelimit", () => {
    // The counter's first write in a window is a SET … PX (the window's start and count, with the key's expiry);
    // after it an allowed decision or a peek is one BITFIELD per rule (read the window, add the cost), and a denial
    // one more per rule to take the cost back.
    const FIRST = { evalsha: 1, bitfield: 1, set: 1 };
    const NEXT = { evalsha: 1, bitfield: 1 };
    const BACK = { evalsha: 1, bitfield: 2 };
    const limiterOf = (rules: RuleInput[]) =>
      createRateLimiter({
        store: upstashStore({ url: backend.url, token: backend.token }),
        rules,
        clock: () => now,
        onStoreError: "throw",
        prefix: "cmd-fixed",
        denyCache: false,
      });
    let now = T;

    it("one rule: 3 for a window's first allowed decision, then 2 per allowed decision or peek, 3 per denial", async () => {
      now = T;
      const limiter = limiterOf([fixedWindow({ limit: 3, window: "1m" })]);
      await limiter.peek("warm-up");
      const counts = [];
      for (const call of [
        () => limiter.limit("one"),
        () => limiter.limit("one"),
        () => limiter.limit("one"),
        async () => expect((await limiter.limit("one")).allowed).toBe(false),
        async () => expect((await limiter.limit("one")).allowed).toBe(false),
        () => limiter.peek("one"),
      ]) {
        counts.push(await commandsDuring(call));
      }
      expect(counts).toEqual([FIRST, NEXT, NEXT, BACK, BACK, NEXT]);
      now = T + 60_000; // the next window: its first write again
      expect(await commandsDuring(() => limiter.limit("one"))).toEqual(FIRST);
      expect((await limiter.peek("one")).remaining).toBe(2);
      rows.push(
        `  fixedWindow (counters): ${total(counts[1]!)} / ${total(counts[3]!)}, window's first ${total(FIRST)}`,
      );
    });

    it("a denial takes its cost back (one more BITFIELD), under the limit or at it, so a higher limit counts true", async () => {
      now = T;
      const limiter = limiterOf([fixedWindow({ limit: 3, window: "1m", name: "r" })]);
      await limiter.limit("overshoot", { cost: 2 });
      expect(await commandsDuring(() => limiter.limit("overshoot", { cost: 2 }))).toEqual(BACK); // 2 + 2 > 3
      expect((await limiter.peek("overshoot")).remaining).toBe(1);
      await limiter.limit("overshoot");
      expect(await commandsDuring(() => limiter.limit("overshoot", { cost: 2 }))).toEqual(BACK); // at the limit
      const after = await limiter.peek("overshoot");
      expect([after.remaining, after.allowed]).toEqual([0, false]);
      // The same key under a limit of 5: the 3 admitted count, the denied 4 do not.
      const higher = limiterOf([fixedWindow({ limit: 5, window: "1m", name: "r" })]);
      expect((await higher.peek("overshoot")).remaining).toBe(2);
    });

    it("several rules: one BITFIELD each; a denial by one takes the cost back from the others, all or nothing", async () => {
      now = T;
      const limiter = limiterOf([
        fixedWindow({ limit: 5, window: "1h", name: "hourly" }),
        fixedWindow({ limit: 1, window: "1m", name: "burst" }),
      ]);
      expect(await commandsDuring(() => limiter.limit("multi"))).toEqual({ evalsha: 1, bitfield: 2, set: 2 });
      const denied = await commandsDuring(async () => expect((await limiter.limit("multi")).allowed).toBe(false));
      expect(denied).toEqual({ evalsha: 1, bitfield: 4 }); // both costs taken back
      expect((await limiter.peek("multi")).rules.map((r) => r.remaining)).toEqual([4, 0]);
      now = T + 60_000;
      expect(await commandsDuring(() => limiter.limit("multi"))).toEqual({ evalsha: 1, bitfield: 2, set: 1 });
      expect((await limiter.peek("multi")).rules.map((r) => r.remaining)).toEqual([3, 0]);
    });

    it("a reset deletes the counters too (one DEL)", async () => {
      now = T;
      const limiter = limiterOf([fixedWindow({ limit: 1, window: "1h" })]);
      await limiter.limit("reset");
      expect((await limiter.limit("reset")).allowed).toBe(false);
      expect(await commandsDuring(() => limiter.reset("reset"))).toEqual({ del: 1 });
      expect(await commandsDuring(() => limiter.limit("reset"))).toEqual(FIRST);
    });
  });

  it("stored quotas (upstashQuotas): fixed windows too take the general path, 3 per allowed decision; setLimits 3", async () => {
    const limiter = createRateLimiter({
      store: upstashStore({ url: backend.url, token: backend.token, quotas: upstashQuotas }),
      rules: [fixedWindow({ limit: 5, window: "1h", name: "r" }), fixedWindow({ limit: 9, window: "1d", name: "d" })],
      clock: () => T,
      onStoreError: "throw",
      prefix: "cmd-quotas",
      denyCache: false,
      tenants: tenantLimits(),
    });
    await limiter.peek("warm-up");
    const set = await commandsDuring(() => limiter.setLimits("q", { r: 2 }));
    const counts = [];
    for (const call of [
      () => limiter.limit("q"),
      () => limiter.limit("q"),
      async () => expect((await limiter.limit("q")).allowed).toBe(false),
      () => limiter.peek("q"),
      () => limiter.limit("q", { limits: { r: 3 } }), // a call's own quota: still the general path
    ]) {
      counts.push(await commandsDuring(call));
    }
    expect([set, ...counts]).toEqual([ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, ALLOWED]);
    expect((await limiter.peek("q")).rules.map((r) => [r.limit, r.remaining])).toEqual([
      [2, 0],
      [9, 6],
    ]);
    rows.push(
      `  stored quotas (fixed windows too): ${total(counts[0]!)} / ${total(counts[2]!)}, setLimits ${total(set)}`,
    );
  });

  it('clock: "redis" adds TIME: one more per decision or release', async () => {
    const store = upstashStore({ url: backend.url, token: backend.token, clock: "redis" });
    const limiter = createRateLimiter({
      store,
      rules: [fixedWindow({ limit: 1, window: "1h" })],
      prefix: "cmd",
      timeout: 10_000,
    });
    await limiter.peek("warm-up");
    expect(await commandsDuring(() => limiter.limit("redis-clock"))).toEqual({
      evalsha: 1,
      bitfield: 1,
      set: 1,
      time: 1,
    });
    expect(await commandsDuring(() => limiter.limit("redis-clock"))).toEqual({ evalsha: 1, bitfield: 2, time: 1 });
    const leasing = createRateLimiter({ store, rules: [concurrency({ limit: 1 })], prefix: "cmd" });
    const held = await leasing.limit("redis-clock-lease");
    expect(await commandsDuring(() => held.release!())).toEqual({ ...ALLOWED, time: 1 });
    expect((await leasing.limit("redis-clock-lease")).allowed).toBe(true);
  });

  it("a cold script cache costs one NOSCRIPT EVALSHA and one EVAL, once", async () => {
    const limiter = createRateLimiter({
      store: upstashStore({ url: backend.url, token: backend.token }),
      rules: [fixedWindow({ limit: 5, window: "1h" })],
      clock: () => T,
      prefix: "cmd",
    });
    await admin.send([["SCRIPT", "FLUSH"]]);
    expect(await commandsDuring(() => limiter.limit("cold"))).toEqual({ evalsha: 1, eval: 1, bitfield: 1, set: 1 });
    expect(await commandsDuring(() => limiter.limit("cold"))).toEqual({ evalsha: 1, bitfield: 1 });
  });
});

describe("HTTP requests per decision", () => {
  const forms: Record<string, () => { options: UpstashStoreOptions; requests: () => number }> = {
    "{ url, token } (counted with a wrapped fetch)": () => {
      let requests = 0;
      const counting = (input: string, init: RequestInit) => {
        requests++;
        return fetch(input, init);
      };
      return { options: { url: backend.url, token: backend.token, fetch: counting }, requests: () => requests };
    },
    "{ redis } (@upstash/redis, counted at the bridge)": () => {
      const redis = new Redis({ url: backend.url, token: backend.token, enableTelemetry: false });
      return { options: { redis }, requests: () => backend.requests() };
    },
  };
  for (const [name, make] of Object.entries(forms)) {
    it(`${name}: 1 per decision, 2 for the first after SCRIPT FLUSH, 0 for a repeated denial`, async () => {
      const { options, requests } = make();
      const rules = [gcra({ limit: 2, period: "1m" }), fixedWindow({ limit: 10, window: "1h" })];
      const limiter = createRateLimiter({
        store: upstashStore(options),
        rules,
        clock: () => T,
        prefix: "http",
        timeout: 10_000,
      });
      await admin.send([["SCRIPT", "FLUSH"]]);
      const counts: number[] = [];
      for (const call of [
        () => limiter.limit(name),
        () => limiter.limit(name),
        () => limiter.limit(name), // denied
        () => limiter.peek(name), // the same denial again: answered by the deny cache
        () => limiter.reset(name),
        () => limiter.peek(name),
      ]) {
        const before = requests();
        await call();
        counts.push(requests() - before);
      }
      expect(counts).toEqual([2, 1, 1, 0, 1, 1]);
    });

    it(`${name}: 1 per acquire and 1 per release of a concurrency lease`, async () => {
      const { options, requests } = make();
      const rules = [concurrency({ limit: 1 }), fixedWindow({ limit: 10, window: "1h" })];
      const limiter = createRateLimiter({ store: upstashStore(options), rules, clock: () => T, prefix: "http" });
      await limiter.peek("warm-up");
      const key = `lease ${name}`;
      const counts: number[] = [];
      let held: Awaited<ReturnType<typeof limiter.limit>> | undefined;
      for (const call of [
        async () => {
          held = await limiter.limit(key);
          expect(held.allowed).toBe(true);
        },
        () => held!.release!(),
        () => held!.release!(), // nothing matches: still one request, nothing written
        async () => expect((await limiter.limit(key)).allowed).toBe(true),
      ]) {
        const before = requests();
        await call();
        counts.push(requests() - before);
      }
      expect(counts).toEqual([1, 1, 1, 1]);
    });
  }
});
