import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blockFor,
  concurrency,
  fixedWindow,
  gcra,
  type Rule,
  type RuleInput,
  shadow,
  slidingWindow,
  tokenBucket,
} from "../../src/index.ts";
import { normalizeRule } from "../../src/rules/validation.ts";
import { storageKey } from "../../src/storage-key.ts";
import {
  applyRelease,
  applyRules,
  capacityOf,
  evaluatorsOf,
  type KeyState,
  type Lease,
} from "../../src/store-entry.ts";
import { upstashStore } from "../../src/stores/upstash.ts";
import { seeded } from "../support/random.ts";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";

let backend: UpstashBackend;
beforeAll(async () => {
  backend = await startUpstashBackend();
});
afterAll(() => backend?.stop());

function rules(inputs: RuleInput[]): Rule[] {
  const problems: string[] = [];
  const normalized = inputs.map((input, i) => normalizeRule(input, `rules[${i}]`, problems)!);
  expect(problems).toEqual([]);
  return normalized;
}

type Random = ReturnType<typeof seeded>;
const makers: Record<string, (r: Random, name: string) => RuleInput> = {
  fixed: (r, name) => fixedWindow({ limit: r.int(1, 9), window: r.pick([100, 700, 1000, 60_000]), name }),
  sliding: (r, name) => slidingWindow({ limit: r.int(1, 9), window: r.pick([300, 1000, 2500, 60_000]), name }),
  bucket: (r, name) => {
    const capacity = r.int(1, 9);
    return tokenBucket({ capacity, refillRate: r.int(1, capacity), interval: r.pick([50, 333, 1000]), name });
  },
  gcra: (r, name) => gcra({ limit: r.int(1, 9), period: r.pick([100, 1000, 7001]), burst: r.int(1, 9), name }),
  leases: (r, name) => concurrency({ limit: r.int(1, 9), lease: r.pick([1, 150, 1000, 4000, 30_000]), name }),
};
const kinds = Object.keys(makers);
for (const kind of ["fixed", "sliding", "bucket", "gcra"]) {
  makers[`shadow ${kind}`] = (r, name) => shadow(makers[kind]!(r, name));
  makers[`blocking ${kind}`] = (r, name) => blockFor(makers[kind]!(r, name), r.pick([1, 450, 3000, 20_000]));
}
// Every pair of algorithms, each algorithm with two of itself, and all five at once; then shadow() and blockFor()
// rules among plain ones, alone, and several at once.
const combos = [
  ...kinds.flatMap((a, i) => kinds.slice(i).map((b) => [a, b])),
  ["gcra", "sliding", "bucket", "fixed", "leases"],
  ["shadow fixed", "blocking sliding"],
  ["blocking fixed", "shadow gcra", "bucket"],
  ["blocking bucket", "blocking gcra", "shadow sliding", "leases"],
  ["shadow fixed", "shadow bucket"],
  ["blocking fixed"],
  ["blocking sliding", "shadow bucket", "blocking gcra"],
];

/** The key's stored value as the Lua wrote it, parsed back into a `KeyState`. */
async function stored(key: string): Promise<KeyState | undefined> {
  const response = await fetch(backend.url, {
    method: "POST",
    headers: { authorization: `Bearer ${backend.token}` },
    body: JSON.stringify(["GET", await storageKey(key)]),
  });
  const { result } = (await response.json()) as { result: string | null };
  if (result === null) return undefined;
  const [, expiresAt, ...rest] = result.split("\n");
  const states: Record<string, number[]> = {};
  for (let i = 0; i < rest.length; i += 2) states[rest[i]!] = rest[i + 1]!.split(" ").map(Number);
  return { rules: states, expiresAt: Number(expiresAt) };
}

describe("differential: the Lua gives the TypeScript reference's decisions", () => {
  it.each(combos.map((combo) => [combo.join(" + "), combo] as const))(
    "%s (random rules, 2 seeds)",
    async (_, combo) => {
      const store = upstashStore({ url: backend.url, token: backend.token });
      for (const seed of [11, 12]) {
        const random = seeded(seed * 101 + combo.join().length);
        const ruleSet = rules(combo.map((kind, i) => makers[kind]!(random, `${kind}-${i}`)));
        const evaluators = evaluatorsOf(ruleSet);
        const capacity = Math.min(...ruleSet.map(capacityOf));
        const reference = new Map<string, KeyState>();
        const held: { key: string; leases: Lease[] }[] = [];
        let now = Date.UTC(2031, 0, 1) + random.int(0, 100_000);
        for (let step = 0; step < 150; step++) {
          const roll = random.next();
          now +=
            roll < 0.25
              ? 0
              : roll < 0.35
                ? -random.int(1, 50)
                : roll < 0.8
                  ? random.int(1, 400)
                  : random.int(400, 9000);
          const key = `diff:${seed}:${combo.join("+")}:${random.pick(["a", "b"])}`;
          if (held.length > 0 && random.next() < 0.3) {
            // Give back a lease taken earlier (maybe expired since); a quarter of them are released twice.
            const index = random.int(0, held.length - 1);
            const { key: leaseKey, leases } = held[index]!;
            if (random.next() < 0.75) held.splice(index, 1);
            const want = applyRelease(
              { rules: ruleSet, evaluators: evaluatorsOf(ruleSet), leases, now },
              reference.get(leaseKey),
            );
            if (want) reference.set(leaseKey, want);
            const before = await stored(leaseKey);
            await store.release!({ key: leaseKey, rules: ruleSet, evaluators, leases, now, signal: undefined });
            const where = `seed ${seed} step ${step} release ${JSON.stringify(leases)} now ${now}`;
            expect(await stored(leaseKey), where).toEqual(want ?? before);
            continue;
          }
          const cost = random.int(0, capacity);
          const consume = random.next() < 0.8;
          const want = applyRules(
            { rules: ruleSet, evaluators: evaluatorsOf(ruleSet), cost, now, consume },
            reference.get(key),
          );
          if (want.write) reference.set(key, want.write);
          const leases = ruleSet.flatMap((rule, i) => {
            const id = want.outcomes[i]!.leaseId;
            return rule.algorithm === "concurrency" && id !== undefined
              ? [{ rule: rule.name, id, expiresAt: now + rule.leaseMs }]
              : [];
          });
          if (leases.length > 0) held.push({ key, leases });
          const got = await store.apply({ key, rules: ruleSet, evaluators, cost, now, consume, signal: undefined });
          expect(got, `seed ${seed} step ${step} cost ${cost} consume ${consume} now ${now}`).toEqual({
            outcomes: want.outcomes,
            now,
          });
        }
      }
    },
  );

  it("stays exact near 2^53 (limit × window, burst × period) and across a year of idle time", async () => {
    const store = upstashStore({ url: backend.url, token: backend.token });
    const ruleSet = rules([
      slidingWindow({ limit: 1_000_000_000, window: 9_000_000, name: "big-sliding" }),
      gcra({ limit: 999_999_937, period: 9_000_000, burst: 1_000_000_000, name: "big-gcra" }),
      tokenBucket({ capacity: 1_000_000_000, refillRate: 7, interval: "1d", name: "big-bucket" }),
      fixedWindow({ limit: 1_000_000_000, window: "3650d", name: "big-fixed" }),
    ]);
    const random = seeded(99);
    let stored: KeyState | undefined;
    let now = Date.UTC(2031, 5, 1) + 12_345;
    for (let step = 0; step < 120; step++) {
      now += random.pick([0, 1, 999, 4_500_000, 8_999_999, 31_536_000_000]);
      const cost = random.pick([0, 1, 7, 123_456_789, 999_999_999, 1_000_000_000]);
      const want = applyRules({ rules: ruleSet, evaluators: evaluatorsOf(ruleSet), cost, now, consume: true }, stored);
      if (want.write) stored = want.write;
      const request = { key: "diff:big", rules: ruleSet, evaluators: evaluatorsOf(ruleSet), signal: undefined };
      const got = await store.apply({ ...request, cost, now, consume: true });
      expect(got.outcomes, `step ${step} cost ${cost} now ${now}`).toEqual(want.outcomes);
    }
  });

  it("state written by another algorithm under the same rule name counts as absent, not as an error", async () => {
    // Every pair of algorithms that keep their state in the key's value (fixed windows alone use counters), so each
    // state shape (2 numbers, 3 for slidingWindow, 1 + 3n for concurrency) meets every other one.
    const store = upstashStore({ url: backend.url, token: backend.token });
    const now = Date.UTC(2031, 2, 1);
    const kinds: Record<string, RuleInput> = {
      sliding: slidingWindow({ limit: 3, window: "1h", name: "x" }),
      bucket: tokenBucket({ capacity: 3, refillRate: 1, interval: "1h", name: "x" }),
      gcra: gcra({ limit: 3, period: "1h", name: "x" }),
      leases: concurrency({ limit: 3, lease: "1h", name: "x" }),
    };
    for (const [from, writer] of Object.entries(kinds)) {
      for (const [to, reader] of Object.entries(kinds)) {
        if (from === to) continue;
        const request = { key: `diff:renamed:${from}:${to}`, cost: 1, now, consume: true, signal: undefined };
        const written = rules([writer]);
        await store.apply({ ...request, rules: written, evaluators: evaluatorsOf(written) });
        const read = rules([reader]);
        const want = applyRules(
          { rules: read, evaluators: evaluatorsOf(read), cost: 1, now, consume: true },
          undefined,
        );
        expect(
          await store.apply({ ...request, rules: read, evaluators: evaluatorsOf(read) }),
          `${from} → ${to}`,
        ).toEqual({ outcomes: want.outcomes, now });
      }
    }
  });

  it('clock: "redis" decides at Redis TIME and returns it as `now`', async () => {
    const store = upstashStore({ url: backend.url, token: backend.token, clock: "redis" });
    const [rule] = rules([fixedWindow({ limit: 3, window: "1h" })]);
    const before = Date.now();
    const got = await store.apply({
      key: "diff:clock",
      rules: [rule!],
      evaluators: evaluatorsOf([rule!]),
      cost: 1,
      now: 0,
      consume: true,
      signal: undefined,
    });
    const after = Date.now();
    expect(got.now).toBeGreaterThanOrEqual(before - 5);
    expect(got.now).toBeLessThanOrEqual(after + 5);
    expect(got.outcomes).toEqual(
      applyRules({ rules: [rule!], evaluators: evaluatorsOf([rule!]), cost: 1, now: got.now, consume: true }, undefined)
        .outcomes,
    );
  });
});
