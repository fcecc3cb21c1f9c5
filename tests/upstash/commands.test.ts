import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  concurrency,
  createRateLimiter,
  fixedWindow,
  gcra,
  type RuleInput,
  slidingWindow,
  tokenBucket,
} from "../../src/index.ts";
import { type UpstashStoreOptions, upstashStore } from "../../src/stores/upstash.ts";
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
  fixedWindow: [fixedWindow({ limit: 2, window: "1m" })],
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

  it('clock: "redis" adds TIME: 4 per allowed decision or release, 3 per denied one', async () => {
    const store = upstashStore({ url: backend.url, token: backend.token, clock: "redis" });
    const limiter = createRateLimiter({
      store,
      rules: [fixedWindow({ limit: 1, window: "1h" })],
      prefix: "cmd",
      timeout: 10_000,
    });
    await limiter.peek("warm-up");
    expect(await commandsDuring(() => limiter.limit("redis-clock"))).toEqual({ ...ALLOWED, time: 1 });
    expect(await commandsDuring(() => limiter.limit("redis-clock"))).toEqual({ ...DENIED, time: 1 });
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
    expect(await commandsDuring(() => limiter.limit("cold"))).toEqual({ evalsha: 1, eval: 1, get: 1, set: 1 });
    expect(await commandsDuring(() => limiter.limit("cold"))).toEqual(ALLOWED);
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
