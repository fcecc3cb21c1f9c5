import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { createRateLimiter, fixedWindow } from "../../src/index.ts";
import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { manualClock, writeConflicts } from "../../src/testing/index.ts";
import { client, createTable } from "./tables.ts";

describe("edgelimit/testing writeConflicts, on DynamoDB Local", () => {
  it("lost conditional writes are retried on the returned item; past maxAttempts the store errors", async () => {
    const db = writeConflicts(client(), GetItemCommand);
    const tableName = await createTable(client(), "kit");
    const store = dynamoDbStore({ client: db, tableName, maxAttempts: 3, backoffBaseMs: 1, cacheSize: 0 });
    const rules = [fixedWindow({ limit: 5, window: "1m" })];
    // A 10 s budget: the first request to DynamoDB Local can be slow on a loaded machine.
    const limiter = createRateLimiter({ store, rules, clock: manualClock(), onStoreError: "deny", timeout: 10_000 });
    expect((await limiter.limit("k")).remaining).toBe(4);
    db.lose(2);
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, degraded: false, remaining: 3 });
    expect(db.conflicts).toBe(2);
    db.lose(3);
    expect(await limiter.limit("k")).toMatchObject({ allowed: false, degraded: true, reason: "store-error" });
    expect(db.conflicts).toBe(5);
    expect((await limiter.peek("k")).remaining).toBe(3);
  });
});
