import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRateLimiter,
  fixedWindow,
  gcra,
  type RuleInput,
  settleCosts,
  slidingWindow,
  tokenBucket,
} from "../../src/index.ts";
import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { tomorrowAt } from "../support/clock.ts";
import { counting } from "./counting.ts";
import { client, createTable } from "./tables.ts";

// What `decision.settle` costs on the wire: the settlement joins the key's batch and writes the whole state under the
// item's version, from the item this isolate's own decision just wrote.
const T = tomorrowAt(500);
const db = client();
let tableName = "";

beforeAll(async () => {
  tableName = await createTable(db, "settle");
});
afterAll(() => db.destroy());

function isolate(rules: RuleInput[]) {
  const wire = counting(db);
  const limiter = createRateLimiter({
    store: dynamoDbStore({ client: wire.client, tableName }),
    rules,
    clock: () => T,
    onStoreError: "throw",
    prefix: "settle",
    denyCache: false,
    timeout: 10_000,
    settle: settleCosts(),
  });
  return { limiter, wire };
}

describe("settle on DynamoDB", () => {
  it("warm and uncontended: a settlement is exactly 1 conditional write and no read", async () => {
    for (const rule of [
      fixedWindow({ limit: 10, window: "1h" }),
      slidingWindow({ limit: 10, window: "1h" }),
      tokenBucket({ capacity: 10, refillRate: 1, interval: "1h" }),
      gcra({ limit: 10, period: "1h" }),
    ]) {
      const { limiter, wire } = isolate([rule]);
      const d = await limiter.limit(rule.algorithm, { cost: 5 });
      wire.take();
      await d.settle!(2);
      const counts = wire.take();
      expect([rule.algorithm, counts.reads, counts.writes, counts.failedWrites]).toEqual([rule.algorithm, 0, 1, 0]);
      expect((await limiter.peek(rule.algorithm)).remaining).toBe(8);
    }
  });

  it("a refund on a key another isolate changed meanwhile retries once on the item the failed write returns", async () => {
    const rules = [fixedWindow({ limit: 10, window: "1h" })];
    const one = isolate(rules);
    const other = isolate(rules);
    const d = await one.limiter.limit("shared", { cost: 4 });
    await other.limiter.limit("shared", { cost: 3 });
    one.wire.take();
    await d.settle!(1);
    const counts = one.wire.take();
    expect([counts.reads, counts.writes, counts.failedWrites]).toEqual([0, 2, 1]);
    expect((await other.limiter.peek("shared")).remaining).toBe(6);
  });
});
