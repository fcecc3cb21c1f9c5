import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concurrency, createRateLimiter, fixedWindow, type RuleInput } from "../../src/index.ts";
import { type DynamoDbStoreOptions, dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { tomorrowAt } from "../support/clock.ts";
import { type Counts, counting } from "./counting.ts";
import { client, createTable } from "./tables.ts";

// Concurrency leases on DynamoDB: requests per acquire and per release, counted on the wire (every number
// asserted is exact; docs/dynamodb.md quotes the printed table), and releases seen across isolates.
const T = tomorrowAt(500);
const db = client();
let tableName = "";
const measured: Record<string, string> = {};

beforeAll(async () => {
  tableName = await createTable(db, "leases");
});
afterAll(() => {
  console.log(
    `\nDynamoDB requests per lease operation (DynamoDB Local):\n${Object.entries(measured)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join("\n")}`,
  );
  db.destroy();
});

/** A limiter over its own store (its own cache: one "isolate"), counting what the store sends. */
function isolate(rules: RuleInput[], now: () => number, options: Partial<DynamoDbStoreOptions> = {}) {
  const wire = counting(db);
  const store = dynamoDbStore({ client: wire.client, tableName, ...options });
  const limiter = createRateLimiter({ store, rules, clock: now, onStoreError: "throw", prefix: "lease" });
  return { limiter, wire };
}

const none: Counts = { reads: 0, writes: 0, failedWrites: 0, deletes: 0, readUnits: 0, writeUnits: 0 };
const show = (c: Counts) =>
  `${c.reads} reads, ${c.writes} writes (${c.failedWrites} failed), ${c.readUnits} RCU + ${c.writeUnits} WCU reported`;

describe("requests per lease operation", () => {
  it("acquire 1 write; release 1 write when cached, 1 read + 1 write when not; a gone lease 1 read, an expired one 1 read", async () => {
    let now = T;
    const rules = [concurrency({ limit: 2, lease: "30s" })];
    const { limiter, wire } = isolate(rules, () => now);
    const a = await limiter.limit("k");
    expect(wire.take(), "new key: one blind write").toEqual({ ...none, writes: 1, writeUnits: 1 });
    const b = await limiter.limit("k");
    const acquire = wire.take();
    expect(acquire).toEqual({ ...none, writes: 1, writeUnits: 1 });
    const denial = await limiter.limit("k");
    expect(denial.allowed).toBe(false);
    const denied = wire.take();
    expect(denied, "a concurrency denial is confirmed by a read, never served from the cache").toEqual({
      ...none,
      reads: 1,
      readUnits: 1,
    });
    await a.release!();
    const release = wire.take();
    expect(release).toEqual({ ...none, writes: 1, writeUnits: 1 });
    await a.release!();
    const again = wire.take();
    expect(again, "the cache cannot prove a lease gone: one read, no write").toEqual({
      ...none,
      reads: 1,
      readUnits: 1,
    });

    const other = isolate(rules, () => now);
    await other.limiter.release("k", b.leaseId!);
    const cold = other.wire.take();
    expect(cold).toEqual({ ...none, reads: 1, writes: 1, readUnits: 1, writeUnits: 1 });
    const c = await limiter.limit("k");
    wire.take();
    now += 30_000;
    await c.release!();
    const expired = wire.take();
    // Releasing an expired lease can still end the key's life early (applyRelease), so the store is asked.
    expect(expired, "an expired lease: the cached item cannot vouch, one read").toEqual({
      ...none,
      reads: 1,
      readUnits: 1,
    });

    measured["acquire, warm"] = show(acquire);
    measured["denied by the concurrency rule, warm"] = show(denied);
    measured["release, lease in this isolate's cache"] = show(release);
    measured["release, cold cache (another isolate)"] = show(cold);
    measured["release again (already gone)"] = show(again);
    measured["release of an expired lease"] = show(expired);
  });

  it("releases and acquires on one key in one isolate go in one write together", async () => {
    const { limiter, wire } = isolate([concurrency({ limit: 3, lease: "30s" })], () => T);
    const held = await Promise.all([limiter.limit("batch"), limiter.limit("batch"), limiter.limit("batch")]);
    expect(wire.take()).toEqual({ ...none, writes: 1, writeUnits: 1 });
    const [, , next] = await Promise.all([held[0]!.release!(), held[1]!.release!(), limiter.limit("batch")]);
    expect(next.allowed).toBe(true);
    expect(wire.take()).toEqual({ ...none, writes: 1, writeUnits: 1 });
  });
});

describe("leases across isolates", () => {
  it("a release in another isolate is seen at once, even by an isolate that just saw the key full", async () => {
    const rules = [concurrency({ limit: 1, lease: "1h" }), fixedWindow({ limit: 100, window: "1h" })];
    const a = isolate(rules, () => T);
    const b = isolate(rules, () => T);
    const held = await a.limiter.limit("cross");
    expect((await a.limiter.limit("cross")).allowed).toBe(false);
    await b.limiter.release("cross", held.leaseId!);
    expect((await a.limiter.limit("cross")).allowed, "within confirmDenialsAfterMs of A's last look").toBe(true);
    expect((await b.limiter.limit("cross")).allowed).toBe(false);
  });

  it("8 isolates, 200 parallel acquires and releases against a limit of 5: never more than 5 held", async () => {
    const rules = [concurrency({ limit: 5, lease: "1h" })];
    const isolates = Array.from({ length: 8 }, () => isolate(rules, () => T, { maxAttempts: 50 }));
    let held = 0;
    let most = 0;
    let admitted = 0;
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const { limiter } = isolates[i % 8]!;
        const decision = await limiter.limit("many");
        if (!decision.allowed) return;
        admitted++;
        most = Math.max(most, ++held);
        await new Promise((resolve) => setTimeout(resolve, 5));
        held--;
        await isolates[(i + 3) % 8]!.limiter.release("many", decision.leaseId!);
      }),
    );
    expect(most).toBeLessThanOrEqual(5);
    expect(admitted).toBeGreaterThanOrEqual(5);
    expect((await isolates[0]!.limiter.peek("many", { cost: 0 })).remaining).toBe(5);
  });
});
