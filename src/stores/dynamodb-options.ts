import type {
  DeleteItemCommand,
  DeleteItemCommandOutput,
  GetItemCommand,
  GetItemCommandOutput,
  UpdateItemCommand,
  UpdateItemCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { ConfigError } from "../errors.ts";

export interface SendOptions {
  abortSignal?: AbortSignal;
}

/** The part of `DynamoDBClient` (`@aws-sdk/client-dynamodb` v3) this store uses. */
export interface DynamoDbClient {
  send(command: GetItemCommand, options?: SendOptions): Promise<GetItemCommandOutput>;
  send(command: UpdateItemCommand, options?: SendOptions): Promise<UpdateItemCommandOutput>;
  send(command: DeleteItemCommand, options?: SendOptions): Promise<DeleteItemCommandOutput>;
}

export interface DynamoDbStoreOptions {
  /** A `DynamoDBClient`. Its own retries (SDK default: 3 attempts) apply to throttling and 5xx. */
  client: DynamoDbClient;
  /** A table made with `createTableInput(tableName)`: partition key `pk` (string), TTL on `expiresAt`. */
  tableName: string;
  /**
   * Conditional writes tried per decision before a contention `StoreError` (default 10: with the default
   * backoff that is about the limiter's default 1 s budget).
   */
  maxAttempts?: number;
  /** Full-jitter backoff between lost writes: a random wait in [0, min(cap, base × 2^(n−1))] ms (default 10). */
  backoffBaseMs?: number;
  /** Longest backoff wait, ms (default 500). */
  backoffCapMs?: number;
  /** Keys whose last seen item is kept in memory (default 10 000; 0 turns the cache off). */
  cacheSize?: number;
  /**
   * A denial computed from an item this isolate saw longer ago than this (limiter clock, ms) is confirmed
   * with one strongly consistent read first. Other writers can only have consumed more, so only a `reset`
   * elsewhere can make such a denial wrong: this bounds how long that takes to be seen (default 1000).
   * Denials by a concurrency rule are always confirmed (a release elsewhere frees a slot at any moment).
   */
  confirmDenialsAfterMs?: number;
  /**
   * A key not in the cache: `"write"` (default) writes at once on the assumption the item does not exist
   * (1 request for a new key; 2 writes, one failed, for an existing one); `"read"` reads it first (always
   * 1 read + 1 write). `"write"` never takes more requests; `"read"` spends less capacity on existing keys.
   */
  coldKey?: "write" | "read";
}

export type ResolvedOptions = Readonly<Required<DynamoDbStoreOptions>>;

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** The options with their defaults, frozen; throws a `ConfigError` listing every problem. */
export function resolveOptions(options: DynamoDbStoreOptions): ResolvedOptions {
  const config = Object.freeze({
    maxAttempts: 10,
    backoffBaseMs: 10,
    backoffCapMs: 500,
    cacheSize: 10_000,
    confirmDenialsAfterMs: 0,
    coldKey: "write" as const,
    ...options,
  });
  validate(config);
  return config;
}

function validate(config: ResolvedOptions): void {
  const problems: string[] = [];
  if (typeof config.client?.send !== "function") problems.push("dynamoDbStore: client must be a DynamoDBClient");
  if (
    typeof config.tableName !== "string" ||
    !(TABLE_NAME.test(config.tableName) || config.tableName.startsWith("arn:"))
  ) {
    problems.push(
      `dynamoDbStore: tableName must be 3–255 characters of a-z A-Z 0-9 _ - . (or a table ARN), got ${JSON.stringify(config.tableName)}`,
    );
  }
  const whole = (name: keyof typeof config, min: number) => {
    const value = config[name];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      problems.push(`dynamoDbStore: ${name} must be a whole number ≥ ${min}, got ${String(value)}`);
    }
  };
  whole("maxAttempts", 1);
  whole("backoffBaseMs", 0);
  whole("backoffCapMs", 0);
  whole("cacheSize", 0);
  if (typeof config.confirmDenialsAfterMs !== "number" || !(config.confirmDenialsAfterMs >= 0)) {
    problems.push(`dynamoDbStore: confirmDenialsAfterMs must be ≥ 0, got ${String(config.confirmDenialsAfterMs)}`);
  }
  if (config.coldKey !== "write" && config.coldKey !== "read") {
    problems.push(`dynamoDbStore: coldKey must be "write" or "read", got ${String(config.coldKey)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
