import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRateLimiter, fixedWindow, type RateLimiter } from "../../src/index.ts";
import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { tomorrowAt } from "../support/clock.ts";
import { client, createTable } from "./tables.ts";

// A hot key across isolates (issue 14): N limiters, each with its own client and store (as N Lambda containers
// or Workers isolates), decide once each at the same moment on one key, with the library's default options
// (1 s budget, fail-open). The decisions must stay exact and reach the store: conditional writes that
// DynamoDB can apply concurrently (arithmetic on the counter), not one version compare-and-swap per round.
const T = tomorrowAt(500);
const db = client();
let tableName = "";
const LIMIT = 20;

beforeAll(async () => {
  tableName = await createTable(db, "hot");
  // Warm DynamoDB Local's JVM up, so that the first timed decisions are not its first requests.
  const warm = createRateLimiter({
    store: dynamoDbStore({ client: db, tableName }),
    rules: [fixedWindow({ limit: 1000, window: "1h" })],
    prefix: "warm",
    timeout: 30_000,
    onStoreError: "throw",
  });
  for (let i = 0; i < 50; i++) await warm.limit(`k${i % 5}`);
});
afterAll(() => db.destroy());

/** `n` isolates on the table, each with its connection open (one ping), none with the key in its cache. */
async function isolates(n: number): Promise<{ limiters: RateLimiter[]; clients: DynamoDBClient[] }> {
  const clients = Array.from({ length: n }, () => client());
  const limiters = clients.map((c) =>
    createRateLimiter({
      store: dynamoDbStore({ client: c, tableName }),
      rules: [fixedWindow({ limit: LIMIT, window: "1h" })],
      prefix: "hot",
      clock: () => T,
    }),
  );
  await Promise.all(limiters.map((l) => l.health()));
  return { limiters, clients };
}

/** What the store holds for `key`: the units it counted. */
async function stored(key: string): Promise<number> {
  const check = createRateLimiter({
    store: dynamoDbStore({ client: db, tableName }),
    rules: [fixedWindow({ limit: LIMIT, window: "1h" })],
    prefix: "hot",
    clock: () => T,
    onStoreError: "throw",
  });
  return LIMIT - (await check.peek(key, { cost: 0 })).remaining;
}

// Each isolate sends exactly one write (a cold key and its roll-over included: the counter's attribute carries the
// window start, so no read and no lost create comes first), so N decisions are N requests to DynamoDB Local. How many
// finish inside the 1 s budget is then DynamoDB Local's throughput on this machine: 100 bare concurrent UpdateItems
// from 100 clients took 0.4–1.7 s on the shared 2-core CI box. So the counts asserted here are the exact ones
// (never over the limit, nothing lost or counted twice); the degraded count is printed, and asserted (≤ 5 for 100
// isolates, the issue 14 target) only with EDGELIMIT_HOT_KEY=1, on a machine not shared with other test runs.
describe("a hot key shared by many isolates, default options", () => {
  it.each([100, 200])(
    "%i isolates at once, limit 20: never over the limit, every store answer counted once",
    async (n) => {
      const { limiters, clients } = await isolates(n);
      const key = `key-${n}`;
      const decisions = await Promise.all(limiters.map((l) => l.limit(key)));
      const degraded = decisions.filter((d) => d.degraded).length;
      const admitted = decisions.filter((d) => d.allowed && !d.degraded).length;
      const held = await stored(key);
      console.log(
        `${n} isolates, limit ${LIMIT}: ${admitted} admitted by the store, ${degraded} degraded, ${held} stored`,
      );
      expect(admitted).toBeLessThanOrEqual(LIMIT);
      // The store holds what it admitted, plus writes of timed-out decisions that landed after their budget.
      expect(held).toBeGreaterThanOrEqual(admitted);
      expect(held).toBeLessThanOrEqual(Math.min(LIMIT, admitted + degraded));
      // Every decision the store answered in time is right: 20 units went to someone, the rest were denied.
      expect(admitted + decisions.filter((d) => !d.allowed).length).toBe(n - degraded);
      if (degraded === 0) expect(admitted).toBe(LIMIT);
      if (process.env.EDGELIMIT_HOT_KEY === "1" && n === 100) expect(degraded).toBeLessThanOrEqual(5);
      for (const c of clients) c.destroy();
    },
  );
});
