import { createHash } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";

// The bridge must behave like Upstash for the real clients (shared/reference/upstash-rest.md §12).
let backend: UpstashBackend;
let r: Redis;
let rNoAuto: Redis;
let rRaw: Redis;
beforeAll(async () => {
  backend = await startUpstashBackend();
  const base = { url: backend.url, token: backend.token, enableTelemetry: false };
  r = new Redis(base);
  rNoAuto = new Redis({ ...base, enableAutoPipelining: false });
  rRaw = new Redis({ ...base, enableAutoPipelining: false, responseEncoding: false });
});
afterAll(() => backend?.stop());

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${backend.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${backend.token}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), sync: response.headers.get("upstash-sync-token") };
}
const b64 = { "Upstash-Encoding": "base64" };

describe("bridge, wire level", () => {
  it("results, base64, statuses, errors, pipeline, multi-exec, Lua conversions, sync token", async () => {
    const set = await post("/", ["SET", "a", "héllo"]);
    expect(set).toMatchObject({ status: 200, body: { result: "OK" } });
    expect(set.sync).toBeTruthy();
    expect((await post("/", ["GET", "a"], b64)).body).toEqual({ result: "aMOpbGxv" });
    expect((await post("/", ["GET", "a"])).body).toEqual({ result: "héllo" });
    expect((await post("/", ["GET", "missing"], b64)).body).toEqual({ result: null });
    expect((await post("/", ["PING"], b64)).body).toEqual({ result: "UE9ORw==" });
    expect((await post("/", ["TYPE", "nokey"], b64)).body).toEqual({ result: "bm9uZQ==" });
    expect(await post("/", ["FOO"])).toMatchObject({
      status: 400,
      body: { error: "ERR unknown command 'FOO', with args beginning with: " },
    });
    expect(await post("/", ["EVALSHA", "0".repeat(40), 0])).toMatchObject({
      status: 400,
      body: { error: "NOSCRIPT No matching script. Please use EVAL." },
    });
    const pipeline = [
      ["SET", "x", "a"],
      ["INCR", "x"],
      ["GET", "x"],
    ];
    const expected = [{ result: "OK" }, { error: "ERR value is not an integer or out of range" }, { result: "YQ==" }];
    expect(await post("/pipeline", pipeline, b64)).toMatchObject({ status: 200, body: expected });
    expect(await post("/multi-exec", pipeline, b64)).toMatchObject({ status: 200, body: expected });
    await post("/", ["SET", "x", "1"]);
    expect((await post("/multi-exec", [["SET", "x", "2"], ["FOO"]])).status).toBe(400);
    expect((await post("/", ["GET", "x"])).body).toEqual({ result: "1" });
    expect((await post("/", ["EVAL", "return {1,'a',false,3.7,{'b'}}", 0], b64)).body).toEqual({
      result: [1, "YQ==", null, 3, ["Yg=="]],
    });
    expect((await post("/", ["EVAL", "return {redis.status_reply('OK')}", 0], b64)).body).toEqual({
      result: ["T0s="],
    });
    expect((await post("/", ["INCRBY", "n", 1712345678901])).body).toEqual({ result: 1712345678901 });
    const one = await post("/", ["PING"], { "upstash-sync-token": "" });
    const two = await post("/", ["PING"], { "upstash-sync-token": "anything" });
    expect(one.sync).not.toBe(two.sync);
  });

  it("401 with a JSON body for a missing or wrong token; 405 and 400 as JSON too", async () => {
    for (const authorization of [undefined, "Bearer wrong", `Basic ${backend.token}`]) {
      const response = await fetch(backend.url, {
        method: "POST",
        headers: authorization ? { authorization } : {},
        body: '["PING"]',
      });
      expect(response.status).toBe(401);
      expect(typeof (await response.json()).error).toBe("string");
    }
    expect((await fetch(backend.url, { method: "DELETE" })).status).toBe(405);
    expect((await post("/", { not: "an array" })).status).toBe(400);
    expect((await post("/", ["GET", null])).status).toBe(400);
    expect(await post("/", ["MULTI"])).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^ERR/) } });
  });
});

describe("bridge with @upstash/redis", () => {
  it("strings, objects, nil, integers, statuses, booleans, TTL, mget, hgetall", async () => {
    await r.set("s", "héllo ✓ 😀");
    expect(await r.get("s")).toBe("héllo ✓ 😀");
    expect(await rRaw.get("s")).toBe("héllo ✓ 😀");
    await r.set("o", { a: 1, b: [1, "x"] });
    expect(await r.get("o")).toEqual({ a: 1, b: [1, "x"] });
    expect(await r.get("missing")).toBeNull();
    expect(await r.incr("i")).toBe(1);
    expect(await r.incrby("i", 41)).toBe(42);
    await r.set("ok", "OK");
    expect(await r.get("ok")).toBe("OK");
    expect(await r.type("ok")).toBe("string");
    expect(await r.ping()).toBe("PONG");
    await r.set("t", true);
    expect(await r.get("t")).toBe(true);
    await r.set("f", 1.5);
    expect(await r.get("f")).toBe(1.5);
    await r.set("e", "v", { ex: 100 });
    expect(await r.ttl("e")).toBeGreaterThan(90);
    expect(await r.mget("s", "missing")).toEqual(["héllo ✓ 😀", null]);
    expect(await r.hgetall("nohash")).toBeNull();
    await r.hset("h", { f: "v", n: 1 });
    expect(await r.hgetall("h")).toEqual({ f: "v", n: 1 });
  });

  it("errors: auto-pipelined, plain, pipelines with a failing entry, multi-exec", async () => {
    await r.set("str", "x");
    await expect(r.incr("str")).rejects.toThrow(/^Command failed: ERR value is not an integer or out of range/);
    await expect(rNoAuto.incr("str")).rejects.toThrow(
      /ERR value is not an integer or out of range, command was: \["incr"/,
    );
    const settled = await Promise.allSettled([r.get("s"), r.incr("str"), r.incr("c")]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    await Promise.all(Array.from({ length: 50 }, () => r.incr("fifty")));
    expect(await r.get("fifty")).toBe(50);
    await expect(r.pipeline().set("p", "x").incr("p").exec()).rejects.toThrow(
      /Command 2 \[ incr \] failed: ERR value is not an integer/,
    );
    const kept = await r.pipeline().set("p", "x").incr("p").exec({ keepErrors: true });
    expect(kept[0]).toMatchObject({ result: "OK" });
    expect(kept[1]).toMatchObject({ error: expect.stringContaining("ERR value is not an integer") });
    const multi = await r.multi().set("m", "x").incr("m").set("m2", "y").exec({ keepErrors: true });
    expect(multi[1]).toMatchObject({ error: expect.any(String) });
    expect(await r.get("m2")).toBe("y");
    await expect(r.multi().set("m3", "z").incr("m3").exec()).rejects.toThrow();
    const concurrent = await Promise.all(["ta", "tb", "tc"].map((key) => r.multi().set(key, "foo").exec()));
    expect(concurrent).toHaveLength(3);
    expect(await r.mget("ta", "tb", "tc")).toEqual(["foo", "foo", "foo"]);
  });

  it("EVAL, EVALSHA, NOSCRIPT, SCRIPT LOAD, createScript, the allow-key-locking shebang", async () => {
    await expect(r.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
    await expect(rNoAuto.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
    expect(await r.eval("return {KEYS[1], ARGV[1], ARGV[2]}", [""], [10, 1712345678901])).toEqual([
      "",
      10,
      1712345678901,
    ]);
    const s = "return ARGV[1]";
    expect(await r.scriptLoad(s)).toBe(sha1(s));
    expect(await r.evalsha(sha1(s), [], ["hi"])).toBe("hi");
    const script = r.createScript("return 7");
    expect(await script.exec([], [])).toBe(7);
    const before = backend.requests();
    expect(await script.exec([], [])).toBe(7);
    expect(backend.requests() - before).toBe(1);
    const locked = "#!lua flags=allow-key-locking\nreturn 1";
    expect(await r.eval(locked, [], [])).toBe(1);
    expect(await r.scriptLoad(locked)).toBe(sha1(locked));
    expect(await r.evalsha(sha1(locked), [], [])).toBe(1);
    expect(await r.eval("#!lua flags=allow-key-locking,no-writes\nreturn 2", [], [])).toBe(2);
  });

  it("read-your-writes sync token changes on every request; a wrong token is an UpstashError", async () => {
    await r.set("sync", 1);
    const first = r.readYourWritesSyncToken;
    expect(first).toBeTruthy();
    await r.get("sync");
    expect(r.readYourWritesSyncToken).not.toBe(first);
    const wrong = new Redis({ url: backend.url, token: "wrong", enableTelemetry: false });
    await expect(wrong.get("x")).rejects.toMatchObject({ name: "UpstashError" });
  });
});

describe("bridge with @upstash/ratelimit", () => {
  const limiters = {
    fixedWindow: Ratelimit.fixedWindow(3, "30 s"),
    slidingWindow: Ratelimit.slidingWindow(3, "30 s"),
    tokenBucket: Ratelimit.tokenBucket(1, "30 s", 3),
  };
  for (const [name, limiter] of Object.entries(limiters)) {
    it(`${name}: 3 allowed then denied; EVAL only on the first call; getRemaining and reset`, async () => {
      const bodies: string[] = [];
      const redis = new Redis({ url: backend.url, token: backend.token, enableTelemetry: false });
      const original = globalThis.fetch;
      globalThis.fetch = (input, init) => {
        bodies.push(String(init?.body));
        return original(input, init);
      };
      try {
        const ratelimit = new Ratelimit({ redis, limiter, ephemeralCache: false, prefix: `rl-${name}` });
        const results = [];
        for (let i = 0; i < 4; i++) results.push(await ratelimit.limit("id"));
        expect(results.map((x) => x.success)).toEqual([true, true, true, false]);
        expect(results.map((x) => x.remaining)).toEqual([2, 1, 0, 0]);
        for (const x of results) {
          expect(x.limit).toBe(3);
          expect(x.reason).toBeUndefined();
          expect(x.reset).toBeGreaterThan(Date.now());
        }
        expect(bodies.filter((b) => b.includes('"eval"')).length).toBeLessThanOrEqual(1);
        expect((await ratelimit.getRemaining("id")).remaining).toBe(0);
        await ratelimit.resetUsedTokens("id");
        expect((await ratelimit.limit("id")).success).toBe(true);
      } finally {
        globalThis.fetch = original;
      }
    });
  }

  it("25 concurrent limit() calls on fixedWindow(10) admit exactly 10, with and without auto-pipelining", async () => {
    for (const [i, redis] of [r, rNoAuto].entries()) {
      const ratelimit = new Ratelimit({
        redis,
        limiter: Ratelimit.fixedWindow(10, "30 s"),
        ephemeralCache: false,
        prefix: `race${i}`,
      });
      const results = await Promise.all(Array.from({ length: 25 }, () => ratelimit.limit("same")));
      expect(results.filter((x) => x.success)).toHaveLength(10);
      expect(results.some((x) => x.reason === "timeout")).toBe(false);
    }
  });

  it("after SCRIPT FLUSH a fresh limit() still works (NOSCRIPT, then EVAL)", async () => {
    await r.scriptFlush();
    const ratelimit = new Ratelimit({
      redis: r,
      limiter: Ratelimit.slidingWindow(2, "30 s"),
      ephemeralCache: false,
      prefix: "flush",
    });
    expect(await ratelimit.limit("x")).toMatchObject({ success: true, remaining: 1 });
  });
});
