import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, concurrency, createRateLimiter, fixedWindow } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";

const T0 = 1_700_000_000_000;
const WHAT_IT_IS = "a lease id of this limiter: pass decision.leaseId back unchanged";

const limiterWithLeases = () =>
  createRateLimiter({
    store: memoryStore(),
    rules: [concurrency({ limit: 3, lease: "30s", name: "a:b%" }), concurrency({ limit: 2, name: "slots" })],
    clock: () => T0,
  });

async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("limiter.release with a malformed lease id", () => {
  it('"%:1:2" is a ConfigError that says what a lease id is, not a URIError', async () => {
    const error = await rejection(() => limiterWithLeases().release("k", "%:1:2"));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'leaseId "%:1:2" is not a lease id of this limiter: pass decision.leaseId back unchanged, as an allowed ' +
        "decision with concurrency rules returned it (rule:id:expiresAt per concurrency rule, comma-separated)",
    ]);
  });

  it("refuses what encode never writes: bad escapes, non-canonical numbers, ids below 1, a rule twice", async () => {
    const limiter = limiterWithLeases();
    const good = await limiter.limit("k");
    expect(good.leaseId).toBe(`a%3Ab%25:1:${T0 + 30_000},slots:1:${T0 + 30_000}`);
    const bad = [
      "%ff:1:2",
      "slots:%:2",
      "slots:1",
      "slots:1:2:3",
      "slots:01:2",
      "slots:1:2e3",
      "slots: 1:2",
      "slots:0x1:2",
      "slots:0:2",
      "slots:-1:2",
      "slots:1:",
      "slots:1:9007199254740993",
      "slots:1:2,slots:2:3",
      "slots:1:2,",
      "other:1:2",
      "",
    ];
    for (const leaseId of bad) {
      const error = await rejection(() => limiter.release("k", leaseId));
      expect(error, leaseId).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message, leaseId).toContain(WHAT_IT_IS);
    }
    // Nothing above released anything; the real id still does.
    expect((await limiter.peek("k", { cost: 0 })).remaining).toBe(1);
    await limiter.release("k", good.leaseId!);
    expect((await limiter.peek("k", { cost: 0 })).remaining).toBe(2);
  });

  it("a limiter without concurrency rules refuses any lease id, saying it has none", async () => {
    const limiter = createRateLimiter({ store: memoryStore(), rules: [fixedWindow({ limit: 1, window: "1s" })] });
    const error = await rejection(() => limiter.release("k", "%:1:2"));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'leaseId "%:1:2": this limiter has no concurrency rules, so it holds no leases to release',
    ]);
  });

  it("quotes at most 80 characters of a long lease id", async () => {
    const error = (await rejection(() => limiterWithLeases().release("k", "x".repeat(10_000)))) as ConfigError;
    expect(error.problems[0]).toMatch(/^leaseId "x{80}…" is not a lease id/);
  });

  // Strings built from the pieces a lease id is made of reach the interesting cases (escapes, separators, digits)
  // far more often than uniform text does.
  const piece = fc.constantFrom("%", "%3A", "%25", "%ff", "%E2%82", ":", ",", "a", "b", "slots", "1", "0", "-", "e");
  const nearLeaseIds = fc.array(fc.oneof(piece, fc.nat().map(String)), { maxLength: 12 }).map((p) => p.join(""));
  const anyString = fc.oneof(fc.string({ unit: "binary" }), nearLeaseIds);

  it("property: any string given to release either releases or throws a ConfigError, never anything else", async () => {
    await fc.assert(
      fc.asyncProperty(anyString, async (leaseId) => {
        const limiter = limiterWithLeases();
        await limiter.limit("k");
        const error = await rejection(() => limiter.release("k", leaseId));
        if (error === undefined) return;
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toContain(WHAT_IT_IS);
      }),
      { numRuns: 2000 },
    );
  });

  it("property: every lease id a decision returns is accepted, alone and among other decisions' ids", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 3 }), async (offset, n) => {
        const limiter = createRateLimiter({
          store: memoryStore(),
          rules: [concurrency({ limit: 3, lease: "1m", name: "%:,%25" })],
          clock: () => offset,
        });
        const held = [];
        for (let i = 0; i < n; i++) held.push(await limiter.limit("k"));
        for (const decision of held) await limiter.release("k", decision.leaseId!);
        expect((await limiter.peek("k", { cost: 0 })).remaining).toBe(3);
      }),
    );
  });
});
