import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, createRateLimiter, fixedWindow, StoreError } from "../../src/index.ts";
import { evaluatorsOf } from "../../src/store-entry.ts";
import { upstashStore } from "../../src/stores/upstash.ts";
import { freePort } from "../support/free-port.ts";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";

let backend: UpstashBackend;
let fake: Server;
let fakeUrl: string;
let answer: (response: ServerResponse) => void = (r) => r.end();
let aborted = 0;
beforeAll(async () => {
  backend = await startUpstashBackend();
  // A misbehaving endpoint: each test sets what it answers.
  fake = createServer((request, response) => {
    request.resume();
    request.on("end", () => answer(response));
    response.on("close", () => {
      if (!response.writableFinished) aborted++;
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
});
afterAll(async () => {
  fake?.closeAllConnections();
  await new Promise((resolve) => fake?.close(resolve));
  await backend?.stop();
});

const rules = [fixedWindow({ limit: 5, window: "1m" })];

/** The store's error for one decision; the limiter must also answer degraded (allowed, by policy) quickly. */
async function failure(url: string, token = "t"): Promise<StoreError> {
  const store = upstashStore({ url, token });
  const limiter = createRateLimiter({ store, rules, onStoreError: "allow", timeout: 2000 });
  const started = Date.now();
  const decision = await limiter.limit("k");
  expect(decision).toMatchObject({ allowed: true, degraded: true, reason: "store-error" });
  expect(Date.now() - started).toBeLessThan(1500);
  const error = await store
    .apply({
      key: "k",
      rules: limiter.config.rules,
      evaluators: evaluatorsOf(limiter.config.rules),
      cost: 1,
      now: Date.now(),
      consume: true,
      signal: undefined,
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).store).toBe("upstash");
  expect((error as StoreError).cause).toBeDefined();
  return error as StoreError;
}

describe("Upstash store errors become a StoreError with the cause, never a hang", () => {
  it("bridge down (connection refused)", async () => {
    const error = await failure(`http://127.0.0.1:${await freePort()}`);
    expect(error.message).toMatch(/could not reach .*check UPSTASH_REDIS_REST_URL/);
  });

  it("401: a wrong token", async () => {
    const error = await failure(backend.url, "wrong-token");
    expect(error.message).toMatch(/HTTP 401.*check UPSTASH_REDIS_REST_TOKEN/);
    expect(String((error.cause as Error).message)).toContain("Unauthorized");
  });

  it("500 with a JSON error", async () => {
    answer = (r) => r.writeHead(500, { "content-type": "application/json" }).end('{"error":"internal failure"}');
    const error = await failure(fakeUrl);
    expect(error.message).toContain("HTTP 500): internal failure");
  });

  it("500 with an HTML page, and a 200 with a garbage body", async () => {
    answer = (r) => r.writeHead(500).end("<html>Bad gateway</html>");
    expect((await failure(fakeUrl)).message).toContain("HTTP 500 with a body that is not JSON");
    answer = (r) => r.writeHead(200).end("garbage{");
    expect((await failure(fakeUrl)).message).toContain("HTTP 200 with a body that is not JSON");
  });

  it("200 with JSON that is not a script result", async () => {
    answer = (r) => r.writeHead(200).end('{"result":"OK"}');
    expect((await failure(fakeUrl)).message).toContain("unexpected script result");
    answer = (r) => r.writeHead(200).end("{}");
    expect((await failure(fakeUrl)).message).toContain("without a result");
  });

  it("Redis errors inside the script pass through (WRONGTYPE)", async () => {
    const store = upstashStore({ url: backend.url, token: backend.token });
    await fetch(backend.url, {
      method: "POST",
      headers: { authorization: `Bearer ${backend.token}` },
      body: JSON.stringify(["LPUSH", "typed", "x"]),
    });
    const request = {
      key: "typed",
      rules: [],
      evaluators: [],
      cost: 1,
      now: Date.now(),
      consume: true,
      signal: undefined,
    };
    await expect(store.apply(request)).rejects.toThrow(/WRONGTYPE/);
  });

  it("a slow response: the limiter's timeout aborts the fetch and answers degraded", async () => {
    answer = () => {}; // never answers
    const before = aborted;
    for (const onStoreError of ["allow", "deny"] as const) {
      const limiter = createRateLimiter({
        store: upstashStore({ url: fakeUrl, token: "t" }),
        rules,
        timeout: 150,
        onStoreError,
      });
      const started = Date.now();
      const decision = await limiter.limit("slow");
      expect(Date.now() - started).toBeLessThan(1000);
      expect(decision).toMatchObject({ allowed: onStoreError === "allow", degraded: true, reason: "timeout" });
    }
    const throwing = createRateLimiter({
      store: upstashStore({ url: fakeUrl, token: "t" }),
      rules,
      timeout: 150,
      onStoreError: "throw",
    });
    await expect(throwing.limit("slow")).rejects.toBeInstanceOf(StoreError);
    await expect.poll(() => aborted - before).toBe(3); // every request was cancelled, none left hanging
  });

  it("the @upstash/redis form: a wrong token becomes a StoreError whose cause is the client's error", async () => {
    const redis = new Redis({ url: backend.url, token: "wrong", enableTelemetry: false, retry: false });
    const store = upstashStore({ redis });
    const error = await store.ping(undefined).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).cause).toMatchObject({ name: "UpstashError" });
  });

  it("bad options are a ConfigError listing every problem", () => {
    expect(() => upstashStore({ url: "not a url", token: "" })).toThrow(ConfigError);
    try {
      upstashStore({ url: "", token: "", clock: "wall" as "redis" });
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(3);
    }
    expect(() => upstashStore({ redis: {} as never })).toThrow(/@upstash\/redis client/);
  });
});
