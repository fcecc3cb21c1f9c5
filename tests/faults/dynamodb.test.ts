import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRateLimiter, fixedWindow } from "../../src/index.ts";
import { createTableInput, dynamoDbStore } from "../../src/stores/dynamodb.ts";
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localClient,
  startDynamoDbLocal,
} from "../support/dynamodb-local.ts";
import {
  COOLDOWN_MS,
  expectPolicy,
  LIMIT,
  POLICIES,
  SLACK_MS,
  sleep,
  subject,
  TIMEOUT_MS,
  watchSuite,
} from "./scenario.ts";

// This file runs its own DynamoDB Local (in memory), stops it and starts it again on the same port.
const watch = watchSuite("DynamoDB Local stopped and restarted; throttling injected into the AWS client");
let local: DynamoDbLocal;
const TABLE = "edgelimit-faults";
/** Creates the table, then warms the JVM up (untimed decisions) so that the timed ones meet the budget. */
async function createTable() {
  await local.client.send(new CreateTableCommand(createTableInput(TABLE)));
  const warm = createRateLimiter({
    store: dynamoDbStore({ client: local.client, tableName: TABLE }),
    rules: [fixedWindow({ limit: 5, window: "1h" })],
    prefix: "warm-up",
    timeout: "30s",
    onStoreError: "throw",
  });
  for (let i = 0; i < 30; i++) await warm.limit(`k${i % 3}`);
}
beforeAll(async () => {
  local = await startDynamoDbLocal();
  await createTable();
});
afterAll(() => local?.stop());

describe("DynamoDB Local stopped, then restarted", () => {
  it("answers by policy within the budget while it is down, then counts exactly", async () => {
    const client = localClient(local.endpoint); // SDK retries off: each decision is one attempt
    // The library's default budget (1 s): DynamoDB Local's JVM answers its first requests slowly.
    const subjects = POLICIES.map((policy) =>
      subject(dynamoDbStore({ client, tableName: TABLE }), policy, "stop", 1000),
    );
    for (const s of subjects) {
      for (let i = 1; i <= 3; i++) {
        expect((await watch.decide("healthy", s.limiter, "k")).decision).toMatchObject({
          allowed: true,
          degraded: false,
          remaining: LIMIT - i,
        });
      }
    }

    const port = Number(new URL(local.endpoint).port);
    await local.stop();
    for (const s of subjects) {
      for (let i = 0; i < 3; i++) expectPolicy(s, await watch.decide("DynamoDB Local down", s.limiter, "k"), "either");
      expectPolicy(s, await watch.decide("DynamoDB Local down: circuit open", s.limiter, "k"), "store-error");
      expect(s.limiter.metrics().circuit).toBe("open");
    }

    // In memory: the restarted DynamoDB Local has no table and no items (what it held is lost).
    local = await startDynamoDbLocal(30_000, port);
    await createTable();
    await sleep(COOLDOWN_MS + 20);
    for (const s of subjects) {
      let first = await watch.decide("after restart", s.limiter, "k");
      for (let tries = 0; first.decision.degraded && tries < 5; tries++) {
        expectPolicy(s, first, "either"); // a socket kept alive across the restart may fail one probe
        await sleep(COOLDOWN_MS + 20);
        first = await watch.decide("after restart", s.limiter, "k");
      }
      // The store still caches the item version it saw before the stop: its conditional write fails on the
      // empty table and it retries as a new item. Exact again, nothing from the outage counted.
      expect(first.decision).toMatchObject({ allowed: true, degraded: false, remaining: LIMIT - 1 });
      for (let i = 2; i <= LIMIT; i++) expect((await s.limiter.limit("k")).remaining).toBe(LIMIT - i);
      expect(await s.limiter.limit("k")).toMatchObject({ allowed: false, reason: "limited", degraded: false });
      expect(s.limiter.metrics().circuit).toBe("closed");
    }
    client.destroy();
  });
});

describe("throttling injected into the AWS client (middleware), with the SDK's own retries on", () => {
  it("answers within the budget, opens the breaker, probes once when half-open, and recovers exactly", async () => {
    const fault = { throttled: false, attempts: 0 };
    // Default SDK retry strategy (3 attempts, backoff): the limiter's budget must still hold.
    const client = new DynamoDBClient({
      endpoint: local.endpoint,
      region: LOCAL_REGION,
      credentials: { ...LOCAL_CREDENTIALS },
    });
    // Answers in place of DynamoDB while throttled; the SDK parses it as AWS's own 400 ThrottlingException.
    client.middlewareStack.add(
      (next) => async (args) => {
        fault.attempts++;
        if (!fault.throttled) return next(args);
        return {
          output: undefined as never,
          response: {
            statusCode: 400,
            headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": "ThrottlingException" },
            body: new TextEncoder().encode(
              JSON.stringify({
                __type: "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                message: "Rate exceeded",
              }),
            ),
          },
        };
      },
      { step: "deserialize", name: "throttle", priority: "low" },
    );
    const subjects = POLICIES.map((policy) => subject(dynamoDbStore({ client, tableName: TABLE }), policy, "throttle"));
    for (const s of subjects) await s.limiter.limit("k");

    fault.throttled = true;
    for (const s of subjects) {
      const before = fault.attempts;
      for (let i = 0; i < 3; i++) {
        // The SDK retries throttling with backoff; the budget cuts it short ("timeout") or it gives up first.
        expectPolicy(s, await watch.decide("ThrottlingException (SDK retries on)", s.limiter, "k"), "either");
      }
      expect(s.limiter.metrics().circuit).toBe("open");
      const open = fault.attempts;
      expect(open).toBeGreaterThan(before);
      expectPolicy(s, await watch.decide("ThrottlingException: circuit open", s.limiter, "k"), "store-error");
      expect(fault.attempts, "no request while the circuit is open").toBe(open);

      // Half-open, still throttled: exactly one probe goes out (with its SDK retries), fails, and reopens.
      await sleep(COOLDOWN_MS + 20);
      const [probe, meanwhile] = await Promise.all([
        watch.decide("ThrottlingException: half-open probe", s.limiter, "k"),
        watch.decide("ThrottlingException: circuit open", s.limiter, "k"),
      ]);
      expectPolicy(s, meanwhile, "store-error"); // decided first, at once
      expectPolicy(s, probe, "either");
      expect(s.events.slice(-2).map((e) => e.storeRequests)).toEqual([0, 1]); // the open answer comes first
      expect(s.limiter.metrics().circuit).toBe("open");
    }

    fault.throttled = false;
    await sleep(COOLDOWN_MS + 20);
    for (const s of subjects) {
      const probe = await watch.decide("ThrottlingException: recovered", s.limiter, "k");
      // Throttled requests wrote nothing: 1 before + this one.
      expect(probe.decision).toMatchObject({ allowed: true, degraded: false, remaining: LIMIT - 2 });
      expect(probe.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      expect(s.limiter.metrics()).toMatchObject({ circuit: "closed" });
    }
    client.destroy();
  });
});

describe("a timeout is not proof that the store did nothing", () => {
  it("a write that DynamoDB applied but whose answer came after the budget is counted, though the limiter said degraded", async () => {
    const client = localClient(local.endpoint);
    let slowAnswers = false;
    // The request reaches DynamoDB at once; only its answer is held back past the limiter's timeout.
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        if (slowAnswers) await sleep(TIMEOUT_MS + 200);
        return result;
      },
      { step: "deserialize", name: "slowAnswer", priority: "low" },
    );
    const s = subject(dynamoDbStore({ client, tableName: TABLE }), "deny", "late");
    expect((await s.limiter.limit("k")).remaining).toBe(LIMIT - 1);
    slowAnswers = true;
    expectPolicy(s, await watch.decide("answer held back past the budget (write applied)", s.limiter, "k"), "timeout");
    slowAnswers = false;
    // Denied by the policy, yet counted by the store: the write had landed before the answer was lost.
    expect(await s.limiter.limit("k")).toMatchObject({ degraded: false, remaining: LIMIT - 3 });
    client.destroy();
  });
});

describe("a request that never settles", () => {
  it("does not wedge its key: the batch is abandoned when its callers' budget runs out, and nothing is kept", async () => {
    const client = localClient(local.endpoint);
    let hang = false;
    let hungSignal: WeakRef<AbortSignal> | undefined;
    // Ignores the abort signal and never settles, for one call; every other call goes to DynamoDB Local.
    const send = (command: never, options?: { abortSignal?: AbortSignal }) => {
      if (!hang) return client.send(command, options);
      hang = false;
      if (options?.abortSignal) hungSignal = new WeakRef(options.abortSignal);
      return new Promise(() => {});
    };
    const limiter = createRateLimiter({
      store: dynamoDbStore({ client: { send } as never, tableName: TABLE }),
      rules: [fixedWindow({ limit: 100, window: "1h" })],
      prefix: "hung",
      timeout: 300,
      circuitBreaker: false,
    });
    expect((await limiter.limit("k")).degraded).toBe(false);
    hang = true;
    expect(await limiter.limit("k")).toMatchObject({ degraded: true, reason: "timeout" });
    const next = [];
    for (let i = 0; i < 10; i++) next.push(await limiter.limit("k"));
    expect(next.filter((d) => !d.degraded).length).toBeGreaterThanOrEqual(9);
    // The abandoned batch is held by nothing but the request that never settles, which nobody holds.
    expect(hungSignal).toBeDefined();
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    for (let i = 0; i < 5 && hungSignal?.deref() !== undefined; i++) {
      await sleep(10);
      gc();
    }
    expect(hungSignal?.deref()).toBeUndefined();
    client.destroy();
  });
});
