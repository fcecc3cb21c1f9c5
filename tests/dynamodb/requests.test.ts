import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRateLimiter, fixedWindow, gcra, type RuleInput, slidingWindow, tokenBucket } from "../../src/index.ts";
import { type DynamoDbStoreOptions, dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { tomorrowAt } from "../support/clock.ts";
import { type Counts, counting } from "./counting.ts";
import { client, createTable } from "./tables.ts";

// Requests and capacity per decision, counted on the wire. Every number asserted here is exact; the table
// printed at the end is what docs/dynamodb.md quotes.
const T = tomorrowAt(500);
const db = client();
let tableName = "";
const measured: Record<string, string> = {};

beforeAll(async () => {
  tableName = await createTable(db, "requests");
});
afterAll(() => {
  console.log(
    `\nDynamoDB requests per decision (DynamoDB Local):\n${Object.entries(measured)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join("\n")}`,
  );
  db.destroy();
});

/** A limiter over its own store (its own cache: one "isolate"), counting what the store sends. */
function isolate(rules: RuleInput[], now: () => number, options: Partial<DynamoDbStoreOptions> = {}) {
  const wire = counting(db);
  const store = dynamoDbStore({ client: wire.client, tableName, ...options });
  // The store alone is measured: no deny cache in front of it.
  const limiter = createRateLimiter({
    store,
    rules,
    clock: now,
    onStoreError: "throw",
    prefix: "req",
    denyCache: false,
    timeout: 10_000,
  });
  return { limiter, wire };
}

const per = (c: Counts, n: number) =>
  `${fmt(c.reads / n)} reads, ${fmt(c.writes / n)} writes (${fmt(c.failedWrites / n)} failed), ` +
  `${fmt(c.readUnits / n)} RCU + ${fmt(c.writeUnits / n)} WCU reported`;
const fmt = (x: number) => String(Math.round(x * 100) / 100);
const none = { reads: 0, writes: 0, failedWrites: 0, deletes: 0, readUnits: 0, writeUnits: 0 };

describe("requests per decision", () => {
  it("warm and uncontended: an allowed decision is exactly 1 write (1 WCU), a denial 1 strongly consistent read", async () => {
    for (const [name, rule] of Object.entries({
      fixedWindow: fixedWindow({ limit: 10, window: "1h" }),
      slidingWindow: slidingWindow({ limit: 10, window: "1h" }),
      tokenBucket: tokenBucket({ capacity: 10, refillRate: 1, interval: "1h" }),
      gcra: gcra({ limit: 10, period: "1h" }),
    })) {
      const { limiter, wire } = isolate([rule], () => T);
      expect((await limiter.limit(`warm-${name}`)).allowed).toBe(true);
      expect(wire.take(), `${name}: a new key is one blind write`).toEqual({ ...none, writes: 1, writeUnits: 1 });
      for (let i = 0; i < 9; i++) expect((await limiter.limit(`warm-${name}`)).allowed).toBe(true);
      const allowed = wire.take();
      expect(allowed, name).toEqual({ ...none, writes: 9, writeUnits: 9 });
      for (let i = 0; i < 5; i++) expect((await limiter.limit(`warm-${name}`)).allowed).toBe(false);
      const denied = wire.take();
      // Another isolate may have spent or reset since: the answer comes from a read, never from the cache.
      expect(denied, `${name}: denials`).toEqual({ ...none, reads: 5, readUnits: 5 });
      if (name === "gcra") {
        measured["allowed, warm, uncontended"] = per(allowed, 9);
        measured["denied, warm (confirmDenialsAfterMs 0, the default)"] = per(denied, 5);
      }
    }
  });

  it("several rules on one key still cost one write", async () => {
    const rules = [gcra({ limit: 10, period: "1s" }), fixedWindow({ limit: 1000, window: "1d", name: "daily" })];
    const { limiter, wire } = isolate(rules, () => T);
    await limiter.limit("multi");
    wire.take();
    await limiter.limit("multi");
    expect(wire.take()).toEqual({ ...none, writes: 1, writeUnits: 1 });
  });

  it("confirmDenialsAfterMs 1000 (opt-in): a denial from an item seen < 1 s ago sends nothing, an older one 1 read", async () => {
    let now = T;
    const { limiter, wire } = isolate([fixedWindow({ limit: 1, window: "1h" })], () => now, {
      confirmDenialsAfterMs: 1000,
    });
    await limiter.limit("confirm");
    wire.take();
    expect((await limiter.limit("confirm")).allowed).toBe(false);
    expect(wire.take()).toEqual(none);
    now += 1000;
    expect((await limiter.limit("confirm")).allowed).toBe(false);
    const confirmed = wire.take();
    expect(confirmed).toEqual({ ...none, reads: 1, readUnits: 1 });
    expect((await limiter.limit("confirm")).allowed).toBe(false);
    expect(wire.take(), "the read counts as seen: the next denial is free again").toEqual(none);
    measured["denied, confirmDenialsAfterMs 1000, item seen < 1 s ago"] = per(none, 1);
  });

  it("cold keys: coldKey 'write' sends 1 write for a new key, 2 (1 failed) for an existing one; 'read' 1 read + 1 write", async () => {
    const rule = fixedWindow({ limit: 2, window: "1h" });
    const first = isolate([rule], () => T);
    await first.limiter.limit("cold");
    const other = isolate([rule], () => T);
    expect((await other.limiter.limit("cold")).allowed).toBe(true);
    const coldAllowed = other.wire.take();
    expect(coldAllowed, "counting into an existing item needs no read and no lost write").toEqual({
      ...none,
      writes: 1,
      writeUnits: 1,
    });
    const third = isolate([rule], () => T);
    expect((await third.limiter.limit("cold")).allowed).toBe(false);
    const coldDenied = third.wire.take();
    expect(coldDenied, "the failed write returns the item: the denial needs nothing more").toEqual({
      ...none,
      writes: 1,
      failedWrites: 1,
    });
    const reader = isolate([rule], () => T, { coldKey: "read" });
    expect((await reader.limiter.limit("cold-read")).allowed).toBe(true);
    const readNew = reader.wire.take();
    expect(readNew).toEqual({ ...none, reads: 1, writes: 1, readUnits: 1, writeUnits: 1 });
    const reader2 = isolate([rule], () => T, { coldKey: "read" });
    expect((await reader2.limiter.limit("cold-read")).allowed).toBe(true);
    expect(reader2.wire.take()).toEqual({ ...none, reads: 1, writes: 1, readUnits: 1, writeUnits: 1 });
    expect((await isolate([rule], () => T, { coldKey: "read" }).limiter.limit("cold-read")).allowed).toBe(false);
    measured["allowed, cold cache, existing key (coldKey write)"] = per(coldAllowed, 1);
    measured["denied, cold cache (coldKey write)"] = per(coldDenied, 1);
    measured["allowed, cold cache, existing key (coldKey read)"] = "1 read, 1 write, 1 RCU + 1 WCU";
  });

  it("peek is one strongly consistent read; reset one delete; ping one read", async () => {
    const { limiter, wire } = isolate([fixedWindow({ limit: 5, window: "1h" })], () => T);
    await limiter.limit("look");
    wire.take();
    expect((await limiter.peek("look")).remaining).toBe(4);
    expect(wire.take()).toEqual({ ...none, reads: 1, readUnits: 1 });
    await limiter.reset("look");
    expect(wire.take()).toEqual({ ...none, deletes: 1, writeUnits: 1 });
    expect((await limiter.health()).ok).toBe(true);
    expect(wire.take()).toEqual({ ...none, reads: 1, readUnits: 0.5 });
  });
});
