import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRateLimiter,
  fixedWindow,
  gcra,
  type RuleInput,
  slidingWindow,
  tenantLimits,
  tokenBucket,
} from "../../src/index.ts";
import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { tomorrowAt } from "../support/clock.ts";
import { counting } from "./counting.ts";
import { client, createTable } from "./tables.ts";

// Quotas stored with a key (`setLimits`) on DynamoDB: what they cost on the wire, and why a write computed under an
// old quota cannot land. Every number is exact.
const T = tomorrowAt(500);
const db = client();
let tableName = "";

beforeAll(async () => {
  tableName = await createTable(db, "stored-limits");
});
afterAll(() => db.destroy());

/** A limiter with `tenants` over its own store (its own item cache: one "isolate"), counting what it sends. */
function isolate(rules: RuleInput[], now: () => number) {
  const wire = counting(db);
  const limiter = createRateLimiter({
    store: dynamoDbStore({ client: wire.client, tableName }),
    rules,
    clock: now,
    onStoreError: "throw",
    prefix: "stored",
    denyCache: false,
    timeout: 10_000,
    tenants: tenantLimits(),
  });
  return { limiter, wire };
}

const none = { reads: 0, writes: 0, failedWrites: 0, deletes: 0, readUnits: 0, writeUnits: 0 };

describe("DynamoDB with stored quotas", () => {
  it("a warm allowed decision under a stored quota is still exactly 1 write, a denial 1 read; setLimits 1 write", async () => {
    for (const [name, rule] of Object.entries({
      fixedWindow: fixedWindow({ limit: 10, window: "1h", name: "r" }),
      slidingWindow: slidingWindow({ limit: 10, window: "1h", name: "r" }),
      tokenBucket: tokenBucket({ capacity: 10, refillRate: 1, interval: "1h", name: "r" }),
      gcra: gcra({ limit: 10, period: "1h", name: "r" }),
    })) {
      const { limiter, wire } = isolate([rule], () => T);
      await limiter.setLimits(`warm-${name}`, { r: 4 });
      expect(wire.take(), `${name}: setLimits on a new key`).toEqual({ ...none, writes: 1, writeUnits: 1 });
      for (let i = 0; i < 4; i++) expect((await limiter.limit(`warm-${name}`)).allowed).toBe(true);
      expect(wire.take(), `${name}: allowed`).toEqual({ ...none, writes: 4, writeUnits: 4 });
      const denied = await limiter.limit(`warm-${name}`);
      expect([denied.allowed, denied.limit]).toEqual([false, 4]);
      expect(wire.take(), `${name}: a denial is confirmed by one read`).toEqual({ ...none, reads: 1, readUnits: 1 });
    }
  });

  // Arithmetic writes (fixed and sliding windows) are conditioned on the counter, not the quota: with stored quotas
  // the store writes whole states under the item's version instead, which fails when the quota changed.
  it("a decision made from a cached item under an old quota does not land: the retry sees the new one", async () => {
    for (const [name, rule] of Object.entries({
      fixedWindow: fixedWindow({ limit: 10, window: "1h", name: "r" }),
      slidingWindow: slidingWindow({ limit: 10, window: "1h", name: "r" }),
    })) {
      const key = `old-${name}`;
      const a = isolate([rule], () => T);
      const b = isolate([rule], () => T);
      await b.limiter.setLimits(key, { r: 8 });
      for (let i = 0; i < 3; i++) expect((await a.limiter.limit(key)).allowed).toBe(true);
      // Isolate b lowers the quota to what is used; isolate a still holds the item with quota 8 and count 3.
      await b.limiter.setLimits(key, { r: 3 });
      a.wire.take();
      const late = await a.limiter.limit(key);
      expect([name, late.allowed, late.limit, late.remaining]).toEqual([name, false, 3, 0]);
      expect((await b.limiter.peek(key, { cost: 0 })).remaining).toBe(0);
    }
  });
});
