import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  ThrottlingException,
  type UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ConfigError, createRateLimiter, fixedWindow, StoreError, tokenBucket } from "../../src/index.ts";
import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { tomorrowAt } from "../support/clock.ts";
import { localClient } from "../support/dynamodb-local.ts";
import { counting } from "./counting.ts";
import { client, createTable } from "./tables.ts";

const T = tomorrowAt(500);
const db = client();
let tableName = "";
beforeAll(async () => {
  tableName = await createTable(db, "failures");
});
afterAll(() => db.destroy());

describe("expired items (TTL deletes late)", () => {
  it("an item whose expiresAtMs has passed counts as absent, and is overwritten under its version check", async () => {
    const now = Date.now();
    // Written by hand as an earlier decision would have: the bucket empty, expired 1 s ago by `expiresAtMs`, and
    // not yet deleted by TTL (AWS deletes hours or days late). The TTL attribute is kept in the future here, so
    // DynamoDB Local's own TTL sweeper (it deletes within seconds) cannot remove the item halfway through.
    await db.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: "ttl:old" },
          "s:bucket": { L: [{ N: "0" }, { N: String(now - 60_000) }] },
          version: { N: "41" },
          expiresAtMs: { N: String(now - 1000) },
          expiresAt: { N: String(Math.floor(now / 1000) + 3600) },
        },
      }),
    );
    const wire = counting(db);
    const limiter = createRateLimiter({
      store: dynamoDbStore({ client: wire.client, tableName }),
      rules: [tokenBucket({ capacity: 5, refillRate: 1, interval: "1h", name: "bucket" })],
      prefix: "ttl",
      clock: () => now,
      onStoreError: "throw",
      // Two writes to DynamoDB Local; the default 1 s budget is not what this test is about (a busy machine misses it).
      timeout: 30_000,
    });
    const decision = await limiter.limit("old");
    expect(decision.allowed).toBe(true);
    expect(decision.remaining).toBe(4);
    // Cold cache: the blind write fails (the item still exists), returns it, and the retry writes a new version.
    expect(wire.take()).toMatchObject({ reads: 0, writes: 2, failedWrites: 1 });
    const item = await db.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: "ttl:old" } } }));
    expect(item.Item?.version).not.toEqual({ N: "41" });
    expect(Number(item.Item?.expiresAt?.N)).toBe(Math.floor(Number(item.Item?.expiresAtMs?.N) / 1000) + 1);
    expect(Number(item.Item?.expiresAtMs?.N)).toBe(now + 3_600_000);
  });
});

describe("throttling, server and network errors go through onStoreError with the cause", () => {
  // A middleware answers in place of DynamoDB: the SDK then parses the response as it would AWS's own.
  function failing(status: number, type: string) {
    const c = client();
    c.middlewareStack.add(
      () => async () => ({
        output: undefined as never,
        response: {
          statusCode: status,
          headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": type },
          body: new TextEncoder().encode(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}` })),
        },
      }),
      { step: "deserialize", name: "answerWithError", priority: "low" },
    );
    return c;
  }

  it.each([
    ["ThrottlingException", 400],
    ["ProvisionedThroughputExceededException", 400],
    ["InternalServerError", 500],
  ])("%s", async (type, status) => {
    const errors: StoreError[] = [];
    const make = (onStoreError: "allow" | "deny" | "throw") =>
      createRateLimiter({
        store: dynamoDbStore({ client: failing(status, type), tableName }),
        rules: [fixedWindow({ limit: 5, window: "1m" })],
        onStoreError,
        onError: (e) => errors.push(e),
      });
    const allowed = await make("allow").limit("x");
    expect(allowed).toMatchObject({ allowed: true, degraded: true, reason: "store-error" });
    const denied = await make("deny").limit("x");
    expect(denied).toMatchObject({ allowed: false, degraded: true, reason: "store-error" });
    await expect(make("throw").limit("x")).rejects.toThrow(StoreError);
    expect(errors).toHaveLength(3);
    expect(errors[0]!.message).toMatch(/^\[edgelimit\] \[dynamodb\] /);
    expect((errors[0]!.cause as Error).name, String(errors[0]!.cause)).toBe(type);
    if (type === "ThrottlingException") expect(errors[0]!.cause).toBeInstanceOf(ThrottlingException);
  });

  it("a network error (nothing listens on the port)", async () => {
    const limiter = createRateLimiter({
      store: dynamoDbStore({ client: localClient("http://127.0.0.1:9"), tableName }),
      rules: [fixedWindow({ limit: 5, window: "1m" })],
      onStoreError: "throw",
    });
    const error = await limiter.limit("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(String((error as StoreError).cause)).toMatch(/ECONNREFUSED/);
    expect((await limiter.health()).ok).toBe(false);
  });

  it("the limiter's timeout aborts the request in flight", async () => {
    const slow = client();
    let aborted = false;
    slow.middlewareStack.add(
      (next) => async (args) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return next(args);
      },
      { step: "finalizeRequest", name: "slow" },
    );
    const store = dynamoDbStore({
      client: {
        send: (command: UpdateItemCommand, options?: { abortSignal?: AbortSignal }) => {
          options?.abortSignal?.addEventListener("abort", () => {
            aborted = true;
          });
          return slow.send(command, options);
        },
      } as never,
      tableName,
    });
    const limiter = createRateLimiter({ store, rules: [fixedWindow({ limit: 5, window: "1m" })], timeout: 50 });
    expect(await limiter.limit("slow")).toMatchObject({ degraded: true, reason: "timeout" });
    expect(aborted).toBe(true);
  });
});

describe("setup mistakes name the fix", () => {
  it("a table that does not exist", async () => {
    const limiter = createRateLimiter({
      store: dynamoDbStore({ client: db, tableName: "no-such-table" }),
      rules: [fixedWindow({ limit: 5, window: "1m" })],
      onStoreError: "throw",
    });
    await expect(limiter.limit("x")).rejects.toThrow(/does not exist.*createTableInput\("no-such-table"\)/);
    expect((await limiter.health()).error).toMatch(/createTableInput/);
  });

  it.each([
    ["a partition key with another name", "id", "S"],
    ["a numeric partition key", "pk", "N"],
  ] as const)("%s", async (_, name, type) => {
    const wrong = `edgelimit-wrong-${name}-${type}-${Date.now().toString(36)}`;
    await db.send(
      new CreateTableCommand({
        TableName: wrong,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: name, AttributeType: type }],
        KeySchema: [{ AttributeName: name, KeyType: "HASH" }],
      }),
    );
    const limiter = createRateLimiter({
      store: dynamoDbStore({ client: db, tableName: wrong }),
      rules: [fixedWindow({ limit: 5, window: "1m" })],
      onStoreError: "throw",
    });
    await expect(limiter.limit("x")).rejects.toThrow(/partition key must be a string attribute named "pk"/);
  });

  it("an item this store did not write", async () => {
    await db.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: ":foreign" }, version: { S: "x" } } }));
    const limiter = createRateLimiter({
      store: dynamoDbStore({ client: db, tableName }),
      rules: [fixedWindow({ limit: 5, window: "1m" })],
      onStoreError: "throw",
      prefix: "",
    });
    await expect(limiter.peek("foreign")).rejects.toThrow(/was not written by edgelimit/);
  });

  it("bad options are a ConfigError listing every problem", () => {
    let error: unknown;
    try {
      dynamoDbStore({ client: db, tableName: "x", maxAttempts: 0, coldKey: "maybe" as never });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(3);
  });
});

describe("reset by another isolate", () => {
  it("is seen at once: a denial is confirmed by a read; with confirmDenialsAfterMs 1000 within 1 s", async () => {
    let now = T;
    const rules = [fixedWindow({ limit: 2, window: "1h" })];
    const wireA = counting(db);
    const a = createRateLimiter({
      store: dynamoDbStore({ client: wireA.client, tableName, confirmDenialsAfterMs: 1000 }),
      rules,
      clock: () => now,
      prefix: "reset",
      denyCache: false, // the store's own denial handling is under test
    });
    const b = createRateLimiter({
      store: dynamoDbStore({ client: db, tableName }),
      rules,
      clock: () => now,
      prefix: "reset",
      denyCache: false, // the store's own denial handling is under test
    });
    await b.limit("k");
    await b.limit("k");
    expect((await b.limit("k")).allowed).toBe(false);
    await b.reset("k");
    expect((await b.limit("k")).allowed, "the default confirms the denial: the reset is seen at once").toBe(true);
    await b.reset("k");
    await a.limit("k");
    await a.limit("k");
    expect((await a.limit("k")).allowed).toBe(false);
    await b.reset("k");
    wireA.take();
    // A's denial comes from the item it saw < 1 s ago: trusted, and stale by the reset (documented bound).
    expect((await a.limit("k")).allowed).toBe(false);
    expect(wireA.take()).toMatchObject({ reads: 0, writes: 0 });
    now += 1000;
    // Seen 1 s ago: the denial is confirmed by a read, which finds no item.
    const after = await a.limit("k");
    expect(after).toMatchObject({ allowed: true, remaining: 1 });
    expect(wireA.take(), "the read found no item: the write creates it").toMatchObject({
      reads: 1,
      writes: 1,
      failedWrites: 0,
    });
  });
});

describe("a write the SDK retries after it landed", () => {
  it("counts once: the retry's failed condition returns our own version, which means done", async () => {
    // A real client retries transient network errors (3 attempts by default). This middleware runs inside the
    // retry loop: it lets the first UpdateItem reach DynamoDB Local, then loses its answer as a reset socket would.
    const db = localClient(inject("dynamoDbEndpoint"), 3);
    let lost = 0;
    db.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "UpdateItemCommand" && lost === 0) {
          lost++;
          throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        }
        return result;
      },
      { step: "deserialize", name: "loseFirstAnswer" },
    );
    const limiter = createRateLimiter({
      store: dynamoDbStore({ client: db, tableName }),
      rules: [fixedWindow({ limit: 5, window: "1h" })],
      prefix: "sdk-retry",
      onStoreError: "throw",
      timeout: 10_000,
    });
    await limiter.limit("k"); // creates the item
    lost = 0;
    const decision = await limiter.limit("k");
    expect(lost).toBe(1);
    expect(decision).toMatchObject({ allowed: true, remaining: 3 });
    expect((await limiter.peek("k", { cost: 0 })).remaining).toBe(3);
  });
});
