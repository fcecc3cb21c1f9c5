// Limiters on DynamoDB Local for the Lambda tests: one table per file, one prefix per limiter, a fixed clock.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createRateLimiter, fixedWindow, type RateLimiter, type RateLimiterOptions } from "../../src/index.ts";
import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { client, createTable } from "../dynamodb/tables.ts";
import { tomorrowAt } from "../support/clock.ts";

/** 10 s into a minute (a one-minute fixed window then resets in 50 s), in the future (see tomorrowAt). */
export const T0 = tomorrowAt(10_000);

let limiters = 0;

/** A DynamoDB Local client and a fresh limiter table for one test file. */
export async function limiterTable(): Promise<{ db: DynamoDBClient; tableName: string }> {
  const db = client();
  return { db, tableName: await createTable(db, "lambda") };
}

/** `limit` per minute (rule `per-minute`) on the table, under a prefix of its own, at `T0`. */
export function dynamoLimiter(
  table: { db: DynamoDBClient; tableName: string },
  limit: number,
  options: Partial<RateLimiterOptions> = {},
): RateLimiter {
  return createRateLimiter({
    store: dynamoDbStore({ client: table.db, tableName: table.tableName }),
    rules: [fixedWindow({ limit, window: "1m", name: "per-minute" })],
    prefix: `t${++limiters}`,
    clock: () => T0,
    timeout: 10_000, // decisions under test must come from the store, even on a loaded machine
    ...options,
  });
}
