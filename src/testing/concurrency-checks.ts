import { expect } from "vitest";
import { concurrency, type Decision, fixedWindow, gcra } from "../index.ts";
import { type Check, limiterFor, T0 } from "./checks.ts";

const allowedCount = (decisions: Decision[]) => decisions.filter((d) => d.allowed).length;

/** Checks for in-flight leases; the suite runs them for stores that list the `concurrency` algorithm. */
export const concurrencyChecks: readonly Check[] = [
  {
    name: "concurrency: 200 parallel acquires against a limit of 5 admit exactly 5; a release frees exactly one slot",
    async run(context) {
      const limiter = limiterFor(context, [concurrency({ limit: 5, lease: "30s" })], () => T0);
      const decisions = await Promise.all(Array.from({ length: 200 }, () => limiter.limit("race")));
      const held = decisions.filter((d) => d.allowed);
      expect(held.length).toBe(5);
      expect(new Set(held.map((d) => d.leaseId)).size).toBe(5);
      const denied = decisions.find((d) => !d.allowed)!;
      expect(denied).toMatchObject({ remaining: 0, retryAfterMs: 30_000 });
      expect("leaseId" in denied || "release" in denied).toBe(false);
      await held[0]!.release!();
      const after = await Promise.all(Array.from({ length: 20 }, () => limiter.limit("race")));
      expect(allowedCount(after)).toBe(1);
    },
  },
  {
    name: "concurrency: releasing twice is harmless, and a stale lease id frees nothing",
    async run(context) {
      const limiter = limiterFor(context, [concurrency({ limit: 2, lease: "30s" })], () => T0);
      const first = await limiter.limit("k");
      const second = await limiter.limit("k");
      await first.release!();
      await first.release!();
      await limiter.release("k", first.leaseId!);
      expect((await limiter.peek("k", { cost: 0 })).remaining).toBe(1);
      const third = await limiter.limit("k");
      expect(third.allowed).toBe(true);
      await first.release!(); // the old lease, not the new one
      expect((await limiter.peek("k", { cost: 0 })).remaining).toBe(0);
      await Promise.all([second.release!(), third.release!()]);
      expect((await limiter.peek("k", { cost: 0 })).remaining).toBe(2);
    },
  },
  {
    name: "concurrency: a late duplicate release cannot free a newer lease, even within the same millisecond",
    async run(context) {
      const limiter = limiterFor(context, [concurrency({ limit: 1, lease: "30s" })], () => T0);
      const first = await limiter.limit("k");
      await first.release!();
      const second = await limiter.limit("k"); // same millisecond: must not reuse the first lease's id
      expect(second.allowed).toBe(true);
      expect(second.leaseId).not.toBe(first.leaseId);
      await first.release!(); // late duplicate
      expect((await limiter.limit("k")).allowed).toBe(false);
    },
  },
  {
    name: "concurrency: a lease never released frees its slot when it expires, exactly at retryAfterMs",
    async run(context) {
      let now = T0;
      const limiter = limiterFor(context, [concurrency({ limit: 3, lease: "10s" })], () => now);
      await limiter.limit("k", { cost: 2 });
      now += 4000;
      await limiter.limit("k");
      const denied = await limiter.limit("k", { cost: 2 });
      expect(denied).toMatchObject({ allowed: false, retryAfterMs: 6000 });
      now += 5999;
      expect((await limiter.limit("k", { cost: 2 })).allowed).toBe(false);
      now += 1;
      expect((await limiter.limit("k", { cost: 2 })).allowed).toBe(true);
      now += 10_000;
      expect((await limiter.peek("k", { cost: 0 })).remaining).toBe(3);
    },
  },
  {
    name: "concurrency with rate rules is all or nothing: a rate denial takes no lease, a concurrency denial no quota",
    async run(context) {
      let now = T0;
      const limiter = limiterFor(
        context,
        [concurrency({ limit: 2, name: "in-flight" }), fixedWindow({ limit: 3, window: "1h", name: "hourly" })],
        () => now,
      );
      const a = await limiter.limit("k");
      const b = await limiter.limit("k");
      const c = await limiter.limit("k");
      expect([a.allowed, b.allowed, c.allowed]).toEqual([true, true, false]);
      expect(c.rules.map((r) => [r.name, r.allowed, r.remaining])).toEqual([
        ["in-flight", false, 0],
        ["hourly", true, 1],
      ]);
      await a.release!();
      const d = await limiter.limit("k");
      expect(d.rules.map((r) => [r.name, r.remaining])).toEqual([
        ["in-flight", 0],
        ["hourly", 0],
      ]);
      await b.release!();
      const e = await limiter.limit("k");
      expect(e.rules.map((r) => [r.name, r.allowed, r.remaining])).toEqual([
        ["in-flight", true, 1],
        ["hourly", false, 0],
      ]);
      expect(e.leaseId).toBeUndefined();
      now += 3_600_000; // d's lease (30 s) and the hour have both run out
      expect((await limiter.peek("k", { cost: 0 })).rules.map((r) => r.remaining)).toEqual([2, 3]);
    },
  },
  {
    name: "concurrency: random traces with releases give the reference decisions",
    async run(context) {
      const { referenceStore } = await import("./reference-store.ts");
      const { seeded } = await import("./random.ts");
      const rules = [concurrency({ limit: 4, lease: 1500 }), gcra({ limit: 20, period: "1s", burst: 6 })];
      for (const seed of [3, 4]) {
        const random = seeded(seed);
        let now = T0;
        const subject = limiterFor(context, rules, () => now);
        const reference = limiterFor({ ...context, store: referenceStore() }, rules, () => now);
        const held: { key: string; leaseId: string }[] = [];
        for (let step = 0; step < context.traceLength; step++) {
          now += random.next() < 0.4 ? 0 : random.int(1, 700);
          const key = `lease-trace:${seed}:${random.pick(["a", "b"])}`;
          const where = `seed ${seed}, step ${step}, now ${now}`;
          if (held.length > 0 && random.next() < 0.3) {
            const [lease] = held.splice(random.int(0, held.length - 1), 1);
            await Promise.all([
              subject.release(lease!.key, lease!.leaseId),
              reference.release(lease!.key, lease!.leaseId),
            ]);
            continue;
          }
          const cost = random.int(0, 3);
          const [got, want] = await Promise.all([subject.limit(key, { cost }), reference.limit(key, { cost })]);
          expect([got.allowed, got.remaining, got.retryAfterMs, got.resetAt, got.leaseId], where).toEqual([
            want.allowed,
            want.remaining,
            want.retryAfterMs,
            want.resetAt,
            want.leaseId,
          ]);
          if (got.leaseId) held.push({ key, leaseId: got.leaseId });
        }
      }
    },
  },
];
