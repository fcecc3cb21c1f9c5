import fc from "fast-check";
import { expect } from "vitest";
import { createRateLimiter, type Decision } from "../../src/index.ts";
import type { AnyStore } from "../../src/store-entry.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import {
  boundProblems,
  capacityOf,
  costOf,
  nextTime,
  plain,
  ruleInputs,
  type Step,
  type Trace,
  tomorrowAt,
  traces,
} from "./trace.ts";

/** Seed and number of runs: `FUZZ_SEED` replays a failure, `FUZZ_RUNS` scales every budget (the long run). */
export function budget(runs: number, env: Readonly<Record<string, string | undefined>> = processEnv()) {
  const seed = env.FUZZ_SEED ? Number(env.FUZZ_SEED) : 20_251_019;
  const numRuns = env.FUZZ_RUNS ? Number(env.FUZZ_RUNS) : runs;
  return { seed, numRuns };
}

export interface Mode {
  /** Shown in the test name. */
  readonly name: string;
  readonly isolates: number;
  readonly denyCache: boolean;
}

/** The four modes of the issue: one isolate with the deny cache off and on, several isolates with it off and on. */
export const MODES: readonly Mode[] = [
  { name: "1 isolate, deny cache off", isolates: 1, denyCache: false },
  { name: "1 isolate, deny cache on", isolates: 1, denyCache: true },
  { name: "3 isolates, deny cache off", isolates: 3, denyCache: false },
  { name: "3 isolates, deny cache on", isolates: 3, denyCache: true },
];

function processEnv(): Record<string, string | undefined> {
  return (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
}

let traceCount = 0;

/**
 * Runs one trace on `stores` (one limiter per store: the isolates) and on the memory store, comparing every field
 * of every decision: exactly, or by `boundProblems` for an answer the deny cache gave. Returns the operations run.
 */
export async function runTrace(
  trace: Trace,
  stores: readonly AnyStore[],
  denyCache: boolean,
  keyPool?: number,
): Promise<number> {
  ++traceCount;
  const key = keyPool ? `fuzz:pool:${traceCount % keyPool}` : `fuzz:${Date.now().toString(36)}:${traceCount}`;
  const start = tomorrowAt(trace.start);
  let now = start;
  const clock = () => now;
  const rules = ruleInputs(trace.rules);
  const reference = createRateLimiter({ store: memoryStore(), rules, clock });
  const limiters = stores.map((store) =>
    createRateLimiter({
      store,
      rules,
      clock,
      denyCache: denyCache ? {} : false,
      circuitBreaker: false,
      onStoreError: "throw",
      timeout: 30_000,
    }),
  );
  // A key from the pool is reused: clear what an earlier trace left in it.
  if (keyPool) await limiters[0]!.reset(key);
  const capacity = capacityOf(trace.rules);
  const leases: string[] = [];
  let last: Decision | undefined;
  let ops = 0;
  for (const [i, step] of trace.steps.entries()) {
    now = nextTime(now, step.advance, last, trace.rules);
    const limiter = limiters[step.isolate % limiters.length]!;
    const cost = step.exactCost ?? costOf(step.cost, capacity);
    const where = `step ${i}: isolate ${step.isolate} ${step.op} cost ${cost} at start + ${now - start} ms`;
    ops++;
    if (step.op === "reset") {
      await reference.reset(key);
      await limiter.reset(key);
      continue;
    }
    if (step.op === "release") {
      const leaseId = leases[step.cost % Math.max(1, leases.length)];
      if (leaseId === undefined) continue;
      await reference.release(key, leaseId);
      await limiter.release(key, leaseId);
      continue;
    }
    const want = await reference[step.op](key, { cost });
    const got = await limiter[step.op](key, { cost });
    if (got.reason === "cached") {
      expect(boundProblems(got, want), `${where}: deny-cache answer ${JSON.stringify(plain(got))}`).toEqual([]);
    } else {
      expect(plain(got), where).toEqual(plain(want));
    }
    if (want.leaseId) leases.push(want.leaseId);
    last = want;
  }
  return ops;
}

/**
 * The property for one backend and mode: `isolates()` makes the stores of a trace (separate instances on one
 * backend). `keyPool` reuses that many keys (reset first) instead of a new key per trace. Resets are left out with several isolates that cache (the deny cache, DynamoDB's item cache): a reset made
 * elsewhere is their documented exception.
 */
export async function fuzz(
  mode: Mode,
  runs: number,
  steps: number,
  isolates: () => Promise<AnyStore[]>,
  options: {
    env?: Readonly<Record<string, string | undefined>>;
    keyPool?: number;
    /** The store caches per isolate too (DynamoDB's item cache), so a reset is not seen by other isolates. */
    isolatedResets?: boolean;
  } = {},
) {
  const ops: Step["op"][] = ["limit", "limit", "limit", "peek", "release"];
  if (mode.isolates === 1 || !(mode.denyCache || options.isolatedResets)) ops.push("reset");
  let operations = 0;
  const arbitrary = traces({ isolates: mode.isolates, steps, ops });
  await fc.assert(
    fc.asyncProperty(arbitrary, async (trace) => {
      operations += await runTrace(trace, await isolates(), mode.denyCache, options.keyPool);
    }),
    budget(runs, options.env),
  );
  return operations;
}
