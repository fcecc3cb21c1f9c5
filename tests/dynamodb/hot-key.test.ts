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

// Opt-in (EDGELIMIT_HOT_KEY=1): its counts depend on DynamoDB Local's throughput, which on a 2-core machine shared
// with other test runs is ~200 requests/s, so 100+ requests cannot finish inside the 1 s budget there.
describe("a hot key shared by many isolates, default options", () => {
  it.each([100, 200])("%i isolates at once, limit 20: at most 20 admitted, at most 5 degraded", async (n) => {
    const { limiters, clients } = await isolates(n);
    const key = `key-${n}`;
    const decisions = await Promise.all(limiters.map((l) => l.limit(key)));
    const degraded = decisions.filter((d) => d.degraded).length;
    const admitted = decisions.filter((d) => d.allowed && !d.degraded).length;
    console.log(`${n} isolates, limit ${LIMIT}: ${admitted} admitted by the store, ${degraded} degraded`);
    expect(degraded).toBeLessThanOrEqual(5);
    expect(admitted).toBeLessThanOrEqual(LIMIT);
    expect(admitted).toBeGreaterThanOrEqual(LIMIT - degraded);
    // What the store holds is what it admitted: no write was lost or counted twice.
    const check = createRateLimiter({
      store: dynamoDbStore({ client: db, tableName }),
      rules: [fixedWindow({ limit: LIMIT, window: "1h" })],
      prefix: "hot",
      clock: () => T,
      onStoreError: "throw",
    });
    expect((await check.peek(key, { cost: 0 })).remaining).toBe(LIMIT - admitted);
    for (const c of clients) c.destroy();
  });
});
