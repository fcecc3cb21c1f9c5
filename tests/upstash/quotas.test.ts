import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, createRateLimiter, fixedWindow, gcra, type RuleInput, tenantLimits } from "../../src/index.ts";
import { storageKey, storagePrefix } from "../../src/storage-key.ts";
import { type UpstashStoreOptions, upstashQuotas, upstashSettle, upstashStore } from "../../src/stores/upstash.ts";
import { withQuotas } from "../../src/stores/upstash-quotas.ts";
import { UPSTASH_SCRIPT, UPSTASH_SCRIPT_SHA1 } from "../../src/stores/upstash-script.ts";
import { RespConnection } from "../support/resp.ts";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

describe("the quota pieces of the Upstash script (upstashQuotas)", () => {
  it("have pinned SHA-1s for the plain and the settle script, and each is put in once, before its line", () => {
    for (const settle of [undefined, upstashSettle]) {
      const base = settle?.script ?? UPSTASH_SCRIPT;
      const { script, sha1: pinned } = upstashQuotas.script(settle);
      expect(script).toBe(withQuotas(base));
      expect(sha1(script)).toBe(pinned);
      expect(pinned).not.toBe(settle?.sha1 ?? UPSTASH_SCRIPT_SHA1);
      for (const line of ["local floor,", "local add=", "if fast or not", "ps[2]=line("]) {
        expect(base.split(`\n${line}`)).toHaveLength(2);
      }
      expect(script.split("\npush(out,unpack(qa))\nif fast or not")).toHaveLength(2);
      // The quota piece writes ARGV: only ever the script's local copy, made before any code reads it.
      const copy = script.indexOf("\nlocal ARGV={unpack(ARGV)}\nlocal floor,");
      expect(copy).toBeGreaterThan(0);
      expect(script.indexOf("ARGV[")).toBeGreaterThan(copy);
      expect(script).toContain("ARGV[5*i+j]=q");
      expect(script).not.toContain("--");
      // Every Redis call of the pieces is on KEYS[1] (`key`), as the script test checks for the rest.
      expect(script.split('redis.call("SET",key,').length - base.split('redis.call("SET",key,').length).toBe(1);
    }
  });
});

describe("upstashStore({ quotas: upstashQuotas }) on redis-server", () => {
  let backend: UpstashBackend;
  let admin: RespConnection;
  beforeAll(async () => {
    backend = await startUpstashBackend();
    admin = await RespConnection.connect(backend.redisPort);
  });
  afterAll(async () => {
    admin?.close();
    await backend?.stop();
  });

  const T = Date.UTC(2031, 0, 1, 0, 0, 0, 123);
  const limiterOf = (options: Partial<UpstashStoreOptions>, rules: RuleInput[], prefix: string, now = () => T) =>
    createRateLimiter({
      store: upstashStore({ url: backend.url, token: backend.token, ...options } as UpstashStoreOptions),
      rules,
      clock: now,
      onStoreError: "throw",
      prefix,
      denyCache: false,
      tenants: tenantLimits(),
    });
  const raw = async (prefix: string, key: string) => {
    const name = await storageKey(storagePrefix(prefix) + key);
    const [value, pttl] = await admin.send([
      ["GET", name],
      ["PTTL", name],
    ]);
    return { value: value?.value === null ? null : String(value?.value), pttl: Number(pttl?.value) };
  };

  it("without it the store keeps no quotas: setLimits is refused, and no Worker ships the pieces", async () => {
    const plain = upstashStore({ url: "https://example.upstash.io", token: "t" });
    const both = upstashStore({
      url: "https://example.upstash.io",
      token: "t",
      settle: upstashSettle,
      quotas: upstashQuotas,
    });
    const quotas = upstashStore({ url: "https://example.upstash.io", token: "t", quotas: upstashQuotas });
    expect(plain.features).toEqual(["shadow", "blockFor"]);
    expect(both.features).toEqual(["shadow", "blockFor", "setLimits", "settle"]);
    expect(quotas.features).toEqual(["shadow", "blockFor", "setLimits"]);
    const limiter = limiterOf({}, [fixedWindow({ limit: 5, window: "1h", name: "r" })], "q-none");
    const error = await limiter.setLimits("k", { r: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("the upstash store does not keep quotas");
  });

  it("stores `\\<rule>` entries [quota, untilMs] beside the states; PX covers them; null clears them", async () => {
    let now = T;
    const rules = [gcra({ limit: 10, period: "1m", name: "r" }), fixedWindow({ limit: 9, window: "1m", name: "m" })];
    const limiter = limiterOf({ quotas: upstashQuotas }, rules, "q-raw", () => now);
    await limiter.setLimits("k", { r: 2 }, { ttl: "1h" });
    expect((await raw("q-raw", "k")).value).toBe(`1\n${T + 3_600_000}\n\\r\n2 ${T + 3_600_000}`);
    const first = await limiter.limit("k");
    // A gcra burst left at its default follows the quota: 2 at once, then one per 30 s (the period over 2).
    expect([first.limit, first.remaining, (await limiter.limit("k")).allowed]).toEqual([2, 1, true]);
    const denied = await limiter.limit("k");
    expect([denied.allowed, denied.retryAfterMs]).toEqual([false, 30_000]);
    const stored = await raw("q-raw", "k");
    expect(stored.value).toBe(
      `1\n${T + 3_600_000}\nr\n${T + 60_000} 0\nm\n${T - (T % 60_000)} 2\n\\r\n2 ${T + 3_600_000}`,
    );
    // PX = untilMs - now + the 1 s margin, counted down in real time since.
    expect(stored.pttl).toBeGreaterThan(3_600_000);
    expect(stored.pttl).toBeLessThanOrEqual(3_601_000);
    // A limiter without tenants (no quotas on its requests) keeps them too.
    const plain = createRateLimiter({
      store: upstashStore({ url: backend.url, token: backend.token, quotas: upstashQuotas }),
      rules,
      clock: () => now,
      onStoreError: "throw",
      prefix: "q-raw",
      denyCache: false,
    });
    now += 120_000;
    expect((await plain.limit("k")).rules[0]!.limit).toBe(10);
    expect((await limiter.peek("k")).rules[0]!.limit).toBe(2);
    await limiter.setLimits("k", null);
    // The rule states and the key's expiry stay; the value's entries come in any order (Lua's pairs).
    const [version, expiresAt, ...lines] = (await raw("q-raw", "k")).value!.split("\n");
    const entries = Object.fromEntries(lines.flatMap((line, i) => (i % 2 === 0 ? [[line, lines[i + 1]]] : [])));
    expect([version, Number(expiresAt), entries]).toEqual([
      "1",
      T + 3_600_000,
      { r: `${T + 126_000} 0`, m: `${T + 120_000 - (T % 60_000)} 1` },
    ]);
    expect((await limiter.peek("k")).rules[0]!.limit).toBe(10);
  });

  it('clock: "redis": a quota lasts its ttl from Redis TIME', async () => {
    const limiter = limiterOf(
      { quotas: upstashQuotas, clock: "redis" },
      [fixedWindow({ limit: 5, window: "1h", name: "r" })],
      "q-time",
    );
    const [time] = await admin.send([["TIME"]]);
    const parts = time?.type === "array" ? (time.value ?? []) : [];
    const [seconds, micros] = parts.map((part) => Number(String(part.value)));
    const before = seconds! * 1000 + Math.floor(micros! / 1000);
    await limiter.setLimits("k", { r: 3 }, { ttl: "10s" });
    const until = Number((await raw("q-time", "k")).value!.split("\n")[3]!.split(" ")[1]);
    expect(until - 10_000).toBeGreaterThanOrEqual(before);
    expect(until - 10_000).toBeLessThan(before + 5_000);
    expect((await limiter.peek("k")).limit).toBe(3);
  });
});
