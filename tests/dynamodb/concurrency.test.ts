import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRateLimiter, fixedWindow, gcra, type RuleInput, slidingWindow, tokenBucket } from "../../src/index.ts";
import { type DynamoDbStoreOptions, dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { tomorrowAt } from "../support/clock.ts";
import { type Counts, counting } from "./counting.ts";
import { client, createTable } from "./tables.ts";

// Contention between isolates: each store below has its own cache, as separate Workers isolates or Lambda
// containers would; they meet only in DynamoDB, through the conditional write on `version`.
const T = tomorrowAt(500);
const db = client();
let tableName = "";

beforeAll(async () => {
  tableName = await createTable(db, "concurrency");
});
afterAll(() => db.destroy());

function isolates(n: number, rules: RuleInput[], options: Partial<DynamoDbStoreOptions> = {}, timeout = 1000) {
  const wire = counting(db);
  const limiters = Array.from({ length: n }, () =>
    createRateLimiter({
      store: dynamoDbStore({ client: wire.client, tableName, ...options }),
      rules,
      clock: () => T,
      onStoreError: "throw",
      prefix: "race",
      denyCache: false,
      timeout,
    }),
  );
  return { limiters, wire };
}

const report = (label: string, c: Counts, decisions: number) =>
  console.log(
    `${label}: ${c.reads} reads, ${c.writes} writes (${c.failedWrites} failed) for ${decisions} decisions = ` +
      `${(c.writes / decisions).toFixed(2)} writes, ${(c.failedWrites / decisions).toFixed(2)} failed, ` +
      `${(c.reads / decisions).toFixed(2)} reads per decision; ${c.writeUnits} WCU + ${c.readUnits} RCU reported`,
  );

describe("contention", () => {
  const rules: Record<string, RuleInput> = {
    fixedWindow: fixedWindow({ limit: 50, window: "1h" }),
    slidingWindow: slidingWindow({ limit: 50, window: "1h" }),
    tokenBucket: tokenBucket({ capacity: 50, refillRate: 1, interval: "1h" }),
    gcra: gcra({ limit: 50, period: "1h" }),
  };

  it.each(Object.keys(rules))("200 parallel calls from 8 isolates, limit 50 (%s): exactly 50 allowed", async (name) => {
    const { limiters, wire } = isolates(8, [rules[name]!]);
    const key = `200-${name}`;
    const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => limiters[i % 8]!.limit(key)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(50);
    expect(decisions.filter((d) => d.degraded)).toHaveLength(0);
    const c = wire.take();
    report(`200 calls / 8 isolates / limit 50 (${name})`, c, 200);
    // Each isolate's waiting calls go in one write: far fewer writes than decisions.
    expect(c.writes - c.failedWrites).toBeLessThanOrEqual(8);
    expect(c.reads).toBe(0);
    expect((await limiters[0]!.peek(key)).remaining).toBe(0);
  });

  it("50 concurrent callers on one key in one isolate: one write for all that waited", async () => {
    const { limiters, wire } = isolates(1, [fixedWindow({ limit: 100, window: "1h" })]);
    await limiters[0]!.limit("one-isolate");
    wire.take();
    const decisions = await Promise.all(Array.from({ length: 50 }, () => limiters[0]!.limit("one-isolate")));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    const c = wire.take();
    report("50 concurrent allowed, one warm isolate", c, 50);
    expect(c).toMatchObject({ reads: 0, failedWrites: 0 });
    expect(c.writes).toBeLessThanOrEqual(2); // the first call alone, the 49 that waited for it together
    const denied = await Promise.all(Array.from({ length: 50 }, () => limiters[0]!.limit("one-isolate", { cost: 60 })));
    expect(denied.every((d) => !d.allowed)).toBe(true);
    expect(wire.take(), "the 50 denials that waited together are confirmed by one read").toMatchObject({
      reads: 1,
      writes: 0,
    });
  });

  // 50 isolates (as 50 Lambda containers would be) each deciding one call on the same key at the same instant.
  // Fixed window steps are arithmetic writes, which DynamoDB applies one after another without failing any while
  // the quota lasts: one write per decision, none lost, whatever the other isolates do.
  it("50 concurrent callers on one key from 50 warm isolates: all allowed, then all denied with no write", async () => {
    const rule = fixedWindow({ limit: 60, window: "1h" });
    const { limiters, wire } = isolates(50, [rule], { maxAttempts: 64 }, 60_000);
    for (const l of limiters) await l.limit("fifty", { cost: 0 }); // warm every cache with the item
    await limiters[0]!.limit("fifty");
    wire.take();
    const started = performance.now();
    const allowed = await Promise.all(limiters.map((l) => l.limit("fifty")));
    const c = wire.take();
    report(`50 concurrent allowed, 50 isolates (${Math.round(performance.now() - started)} ms)`, c, 50);
    expect(allowed.filter((d) => d.allowed)).toHaveLength(50);
    expect(c.writes - c.failedWrites).toBe(50);
    expect(c.failedWrites, "arithmetic writes do not fail each other").toBe(0);
    expect(c.reads).toBe(0);

    const denied = await Promise.all(limiters.map((l) => l.limit("fifty", { cost: 10 })));
    const d = wire.take();
    report("50 concurrent denied, 50 isolates", d, 50);
    expect(denied.filter((x) => x.allowed)).toHaveLength(0);
    expect(d.writes - d.failedWrites, "a denial writes nothing").toBe(0);
  });

  it("50 concurrent callers from 50 cold isolates, limit 10: exactly 10 allowed", async () => {
    const { limiters, wire } = isolates(50, [fixedWindow({ limit: 10, window: "1h" })], { maxAttempts: 64 }, 60_000);
    const decisions = await Promise.all(limiters.map((l) => l.limit("fifty-cold")));
    const c = wire.take();
    report("50 concurrent, 50 cold isolates, limit 10", c, 50);
    expect(decisions.filter((x) => x.allowed)).toHaveLength(10);
    expect(c.writes - c.failedWrites).toBe(10);
    // A cold key is one write, whether the item exists or not: the 40 denials are the writes the limit refused.
    expect(c.writes, "one write per decision").toBe(50);
    expect(c.reads).toBe(0);
  });
});
