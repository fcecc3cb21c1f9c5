import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { durableObjectStore, type ObjectStats, type RateLimiterObject } from "../../durable-objects/index.ts";
import { concurrency, createRateLimiter, fixedWindow, type RuleInput } from "../../src/index.ts";

// Concurrency leases on the Durable Object store: requests and SQLite rows written per acquire and release,
// counted exactly by the object itself. docs/cloudflare.md quotes these numbers.
const stubFor = (name: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));
const statsOf = (name: string) =>
  runInDurableObject(stubFor(name), (instance: RateLimiterObject) => ({ ...instance.stats }));
const rowsOf = (name: string) =>
  runInDurableObject(stubFor(name), (_, state) =>
    state.storage.sql.exec("SELECT key, rules, expires_at FROM edgelimit_state").toArray(),
  );
const limiterOf = (prefix: string, rules: RuleInput[], clock: "object" | "caller" = "object") =>
  createRateLimiter({ store: durableObjectStore(env.RATE_LIMITER, { clock }), rules, prefix, onStoreError: "throw" });
/** Billed SQLite rows written: rows the statements wrote, plus one per setAlarm. */
const billed = (s: ObjectStats) => s.sqlRowsWritten + s.alarmsSet;

/** Runs `step` and returns the requests and billed rows it cost the object `name`. */
async function cost(name: string, step: () => Promise<unknown>): Promise<{ requests: number; rows: number }> {
  const before = await statsOf(name);
  await step();
  const after = await statsOf(name);
  return { requests: after.requests - before.requests, rows: billed(after) - billed(before) };
}

describe("RateLimiterObject leases", () => {
  it("acquire: 1 request, 1 row (4 for a new object); denial: 1 request, 0 rows; release: 1 request, 1 row; a repeated release writes nothing", async () => {
    const limiter = limiterOf("lease", [concurrency({ limit: 2, lease: "30s" })]);
    const name = "lease:k";
    let a = await limiter.limit("k");
    expect(billed(await statsOf(name))).toBe(4); // a new object: its table (2 rows), the key's row, the alarm
    const b = await limiter.limit("k");
    await a.release!();
    const acquireOnly = await cost(name, async () => {
      a = await limiter.limit("k");
    });
    expect(acquireOnly).toEqual({ requests: 1, rows: 1 });
    // Concurrency denials are never served from the limiter's deny cache: each asks the object.
    const denials = await cost(name, async () => {
      for (let i = 0; i < 3; i++) expect((await limiter.limit("k")).allowed).toBe(false);
    });
    expect(denials).toEqual({ requests: 3, rows: 0 });
    const release = await cost(name, () => a.release!());
    expect(release, "one lease left: the row is updated").toEqual({ requests: 1, rows: 1 });
    const again = await cost(name, () => a.release!());
    expect(again, "already released: nothing written").toEqual({ requests: 1, rows: 0 });
    const last = await cost(name, () => b.release!());
    // No live lease left, but the row stays until b's own expiry, so lease ids cannot restart while a late
    // duplicate release of b could still match; the alarm deletes it then.
    expect(last, "no live lease left: the row is updated, kept until the lease's expiry").toEqual({
      requests: 1,
      rows: 1,
    });
    expect((await rowsOf(name)).map((row) => row.expires_at)).toEqual([b.now + 30_000]);
    expect((await statsOf(name)).released).toBe(3); // both of a's leases, and b: the repeated release freed nothing
    console.log(
      "Durable Object, per lease operation:",
      JSON.stringify({ acquire: acquireOnly, denial: { requests: 1, rows: 0 }, release, again, last }),
    );
  });

  it("a release with rate rules keeps their state; the key lives until the released lease's expiry, then the alarm cleans up", async () => {
    const limiter = limiterOf("lease-rate", [
      concurrency({ limit: 1, lease: "1h", name: "c" }),
      fixedWindow({ limit: 5, window: "1m", name: "m" }),
    ]);
    const name = "lease-rate:k";
    const held = await limiter.limit("k");
    const alarmAt = await runInDurableObject(stubFor(name), (_, state) => state.storage.getAlarm());
    expect(alarmAt).toBe(held.now + 3_600_000); // the lease's expiry, the latest of the key
    await held.release!();
    const [row] = await rowsOf(name);
    expect(row!.expires_at).toBe(held.now + 3_600_000); // not before the released lease's own expiry
    const after = await limiter.peek("k", { cost: 0 });
    expect(after.rules.map((r) => [r.name, r.remaining])).toEqual([
      ["c", 1],
      ["m", 4],
    ]);
    // When the alarm fires after the key has expired, it deletes it.
    await runInDurableObject(stubFor(name), (_, state) => {
      state.storage.sql.exec("UPDATE edgelimit_state SET expires_at = ?", Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(stubFor(name))).toBe(true);
    expect(await runInDurableObject(stubFor(name), (_, state) => state.storage.getAlarm())).toBeNull();
  });

  it("with clock 'object' the lease expiry is the object's time + lease, so a release from a skewed caller matches", async () => {
    const skewed = createRateLimiter({
      store: durableObjectStore(env.RATE_LIMITER),
      rules: [concurrency({ limit: 1, lease: "30s" })],
      prefix: "lease-clock",
      clock: () => Date.now() + 86_400_000, // a caller one day ahead
    });
    const held = await skewed.limit("k");
    expect(held.allowed).toBe(true);
    expect((await skewed.limit("k")).allowed).toBe(false);
    await skewed.release("k", held.leaseId!);
    expect((await skewed.limit("k")).allowed).toBe(true);
  });
});
