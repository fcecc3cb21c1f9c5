import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concurrency, createRateLimiter, fixedWindow, gcra, type RuleInput } from "../../src/index.ts";
import type { AnyStore } from "../../src/store-entry.ts";
import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { tomorrowAt } from "../support/clock.ts";
import { client, createTable } from "./tables.ts";

// Fixed traces (issue 19) where DynamoDB answered differently from the reference (the memory store running
// src/algorithms/): every field must be the reference's, also with two isolates (two stores) on one table.
const T = tomorrowAt(500);
const db = client();
let tableName = "";
beforeAll(async () => {
  tableName = await createTable(db, "exact");
});
afterAll(() => db.destroy());

let keys = 0;
function limiterOn(store: AnyStore, rules: RuleInput[], now: () => number) {
  return createRateLimiter({ store, rules, clock: now, onStoreError: "throw", denyCache: false, prefix: "exact" });
}
const fields = (d: { allowed: boolean; remaining: number; resetAt: number; retryAfterMs: number }) => ({
  allowed: d.allowed,
  remaining: d.remaining,
  resetAt: d.resetAt,
  retryAfterMs: d.retryAfterMs,
});

describe("every answer is the reference's", () => {
  it("releasing a lease that had already expired shortens the key's life: the next lease id restarts at 1", async () => {
    const rules = [concurrency({ limit: 2, lease: "30s" })];
    const run = async (store: AnyStore) => {
      let now = T;
      const limiter = limiterOn(store, rules, () => now);
      const key = `lease-${keys}`;
      const a = await limiter.limit(key);
      now = T + 5000;
      const b = await limiter.limit(key);
      now = T + 6000;
      await b.release!();
      now = T + 31_000; // `a` expired at T + 30 s; the key holds it until its life (T + 35 s) ends
      await a.release!();
      now = T + 32_000;
      return (await limiter.limit(key)).leaseId;
    };
    const reference = await run(memoryStore());
    keys++;
    expect(await run(dynamoDbStore({ client: db, tableName }))).toBe(reference);
  });

  it("fixedWindow 10/min, two isolates: A 6, B 3, A asks 5: denied with remaining 1", async () => {
    const rules = [fixedWindow({ limit: 10, window: "1m" })];
    const trace = async (a: AnyStore, b: AnyStore) => {
      const [la, lb] = [limiterOn(a, rules, () => T), limiterOn(b, rules, () => T)];
      await la.limit("fw", { cost: 6 });
      await lb.limit("fw", { cost: 3 });
      return la.limit("fw", { cost: 5 });
    };
    const shared = memoryStore();
    const reference = await trace(shared, shared);
    expect(reference).toMatchObject({ allowed: false, remaining: 1 });
    const got = await trace(dynamoDbStore({ client: db, tableName }), dynamoDbStore({ client: db, tableName }));
    expect(fields(got)).toEqual(fields(reference));
  });

  it("gcra 192 per 10 ms, two isolates: A 57, B 1, A 192: retryAfterMs 4 and remaining 134", async () => {
    const rules = [gcra({ limit: 192, period: 10 })];
    const trace = async (a: AnyStore, b: AnyStore) => {
      const [la, lb] = [limiterOn(a, rules, () => T), limiterOn(b, rules, () => T)];
      await la.limit("gcra", { cost: 57 });
      await lb.limit("gcra", { cost: 1 });
      return la.limit("gcra", { cost: 192 });
    };
    const shared = memoryStore();
    const reference = await trace(shared, shared);
    expect(reference).toMatchObject({ allowed: false, retryAfterMs: 4, remaining: 134 });
    const got = await trace(dynamoDbStore({ client: db, tableName }), dynamoDbStore({ client: db, tableName }));
    expect(fields(got)).toEqual(fields(reference));
  });
});
