// The prefetch bench's contenders: isolates (each its own limiter and store client) over one shared backend,
// prefetch on or off, all on one clock.

import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { createRateLimiter, type RateLimiter, type RateLimiterOptions, type RuleInput } from "../../src/index.ts";
import { createTableInput, dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { upstashStore } from "../../src/stores/upstash.ts";
import { localClient } from "../../tests/support/dynamodb-local.ts";
import type { UpstashBackend } from "../../tests/support/upstash-bridge.ts";
import { countRequests, emptyTally } from "./dynamodb.ts";
import { withPrefetch } from "./prefetch-option.ts";
import { CommandCounter } from "./upstash.ts";

/** One isolate: its own store client and limiter, as one Worker isolate or Lambda container has. */
export interface Isolate {
  readonly limiter: RateLimiter;
  close(): void;
}

export interface IsolateOptions {
  readonly rules: readonly RuleInput[];
  readonly prefetch: boolean;
  readonly prefix: string;
  readonly clock?: () => number;
}

/** The isolates of one run and the backend operations they caused. */
export interface StoreRun {
  isolate(options: IsolateOptions): Isolate;
  /** Operations so far (a running total: take differences). */
  operations(): Promise<number>;
}

/** A backend shared by isolates, and how its operations are counted. */
export interface SharedStore {
  /** `Upstash REST` or `DynamoDB Local`. */
  readonly name: string;
  /** What `operations` counts: `Redis commands` or `DynamoDB requests`. */
  readonly unit: string;
  /** How many runs may go at once and still be counted apart. */
  readonly parallel: number;
  run(): StoreRun;
  close(): void;
}

// Store errors are not expected on loopback; a 10 s budget keeps a slow moment from turning into one, and a
// failure is denied (and counted as degraded) so that it can never pass as an admission.
const limiterOptions = (store: RateLimiterOptions["store"], o: IsolateOptions): RateLimiterOptions =>
  withPrefetch(
    {
      store,
      rules: [...o.rules],
      prefix: o.prefix,
      timeout: 10_000,
      onStoreError: "deny",
      ...(o.clock ? { clock: o.clock } : {}),
    },
    o.prefetch,
  );

/**
 * Isolates over the local Upstash bridge; operations are Redis commands (`INFO commandstats`, scripts' included).
 * Redis counts for the whole server, so runs go one at a time.
 */
export async function upstashShared(backend: UpstashBackend): Promise<SharedStore> {
  const counter = await CommandCounter.connect(backend.redisPort);
  const run: StoreRun = {
    isolate(o) {
      const store = upstashStore({ url: backend.url, token: backend.token });
      return { limiter: createRateLimiter(limiterOptions(store, o)), close() {} };
    },
    operations: () => counter.total(),
  };
  return { name: "Upstash REST", unit: "Redis commands", parallel: 1, run: () => run, close: () => counter.close() };
}

/** The table `dynamoDbShared` creates. */
export const PREFETCH_TABLE = "edgelimit-prefetch-bench";

/**
 * Isolates over DynamoDB Local, each on its own client; operations are read and write requests (failed ones
 * too), counted per run by the clients' middleware, so that several runs can share DynamoDB Local at once.
 */
export async function dynamoDbShared(endpoint: string): Promise<SharedStore> {
  const tableName = PREFETCH_TABLE;
  const admin = localClient(endpoint);
  await admin.send(new CreateTableCommand(createTableInput(tableName)));
  admin.destroy();
  return {
    name: "DynamoDB Local",
    unit: "DynamoDB requests",
    parallel: 6,
    run() {
      const tally = emptyTally();
      return {
        isolate(o) {
          const client = localClient(endpoint);
          countRequests(client, tally);
          const limiter = createRateLimiter(limiterOptions(dynamoDbStore({ client, tableName }), o));
          return { limiter, close: () => client.destroy() };
        },
        operations: async () => tally.reads + tally.writes,
      };
    },
    close() {},
  };
}
