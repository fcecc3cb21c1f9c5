// Contenders over DynamoDB Local: edgelimit's dynamoDbStore and rate-limiter-flexible's RateLimiterDynamo,
// each on its own client with a middleware that counts requests and consumed capacity.
import { CreateTableCommand, DynamoDB, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { RateLimiterDynamo, RateLimiterRes } from "rate-limiter-flexible";
import { createRateLimiter, fixedWindow, type RateLimiterOptions } from "../../src/index.ts";
import { createTableInput, dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClient } from "../../tests/support/dynamodb-local.ts";
import { withPrefetch } from "./prefetch-option.ts";

/** Requests and capacity one client has sent, by kind. */
export interface Tally {
  reads: number;
  writes: number;
  /** Conditional writes DynamoDB refused (`ConditionalCheckFailedException`); AWS bills each as a write. */
  failedWrites: number;
  /** Capacity units DynamoDB reported (`ReturnConsumedCapacity: TOTAL`); DynamoDB Local reports none for failed writes. */
  capacity: number;
  /** Decisions that failed (edgelimit: degraded by a store error, e.g. lost writes past `maxAttempts`; RLF: rejected with an error). */
  errors: number;
}

const READS = new Set(["GetItemCommand", "QueryCommand", "BatchGetItemCommand"]);
const WRITES = new Set(["UpdateItemCommand", "PutItemCommand", "DeleteItemCommand"]);

/** Adds a counting middleware to `client` that also asks every data-plane call for its consumed capacity. */
export function countRequests(client: DynamoDBClient | DynamoDB, tally: Tally): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? "";
      const input = args.input as { ReturnConsumedCapacity?: string };
      if (READS.has(name) || WRITES.has(name)) input.ReturnConsumedCapacity = "TOTAL";
      if (READS.has(name)) tally.reads++;
      if (WRITES.has(name)) tally.writes++;
      try {
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity;
        tally.capacity += consumed?.CapacityUnits ?? 0;
        return result;
      } catch (error) {
        if ((error as Error).name === "ConditionalCheckFailedException") tally.failedWrites++;
        throw error;
      }
    },
    { step: "initialize", name: "benchCountRequests" },
  );
}

export const emptyTally = (): Tally => ({ reads: 0, writes: 0, failedWrites: 0, capacity: 0, errors: 0 });

/** Answers one request for a key: whether it was allowed (a failed decision counts in `errors` and is not allowed). */
export type Decide = (key: string) => Promise<boolean>;

/** Creates edgelimit's table and RLF's table (RLF's own key schema), on-demand, once per DynamoDB Local. */
export async function createTables(endpoint: string): Promise<{ ours: string; theirs: string }> {
  const client = localClient(endpoint);
  const tables = { ours: "edgelimit-bench", theirs: "rlf-bench" };
  await client.send(new CreateTableCommand(createTableInput(tables.ours)));
  await client.send(
    new CreateTableCommand({
      TableName: tables.theirs,
      AttributeDefinitions: [{ AttributeName: "key", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "key", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  client.destroy();
  return tables;
}

/**
 * edgelimit on its own client (one isolate); deny cache off, so every decision reaches the store. `defaults`:
 * the limiter's own time budget (1 s) instead of 10 s, as an application that sets nothing would run it.
 * `prefetch`: with `prefetchQuota()` (the prefetch bench's hot key).
 */
export function ours(
  endpoint: string,
  table: string,
  limit: number,
  tally: Tally,
  defaults = false,
  prefetch = false,
): { decide: Decide; close(): void } {
  const client = localClient(endpoint);
  countRequests(client, tally);
  const options: RateLimiterOptions = {
    store: dynamoDbStore({ client, tableName: table }),
    rules: [fixedWindow({ limit, window: "1h" })],
    denyCache: false,
    onStoreError: "deny",
    ...(defaults ? {} : { timeout: 10_000 }),
  };
  const limiter = createRateLimiter(withPrefetch(options, prefetch));
  return {
    async decide(key) {
      const decision = await limiter.limit(key);
      if (decision.degraded) tally.errors++;
      return decision.allowed && !decision.degraded;
    },
    close: () => client.destroy(),
  };
}

/** RLF's RateLimiterDynamo on its own client, told the table and TTL exist (no control-plane calls). */
export function theirs(
  endpoint: string,
  table: string,
  limit: number,
  tally: Tally,
  _defaults = false,
): { decide: Decide; close(): void } {
  const client = new DynamoDB({
    endpoint,
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    maxAttempts: 1,
  });
  countRequests(client, tally);
  const limiter = new RateLimiterDynamo({
    storeClient: client,
    tableName: table,
    tableCreated: true,
    ttlSet: true,
    points: limit,
    duration: 3600,
  });
  return {
    async decide(key) {
      try {
        await limiter.consume(key);
        return true;
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) tally.errors++;
        return false;
      }
    },
    close: () => client.destroy(),
  };
}
