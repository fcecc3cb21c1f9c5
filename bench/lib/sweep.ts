// One window of offered load on one hot key, driven by a simulated clock: what the isolates admitted, what the
// backend served, and what the exact limiter (one memory store, shared by all) admits on the same arrivals.
import { createRateLimiter, type RuleInput } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { loadSchedule, nextWindowStart, SimulatedClock } from "./load.ts";
import type { SharedStore, StoreRun } from "./prefetch.ts";

/** What one window cost and admitted. */
export interface WindowResult {
  readonly offered: number;
  readonly admitted: number;
  /** Backend operations per offered decision. */
  readonly operationsPerDecision: number;
  /** Decisions the store did not make (denied by `onStoreError: "deny"`). */
  readonly degraded: number;
}

export interface WindowSpec {
  readonly rule: RuleInput;
  readonly windowMs: number;
  readonly isolates: number;
  readonly offered: number;
  readonly prefetch: boolean;
}

let serial = 0;

/** Waits until the backend has served nothing new for 20 ms: a claim or give-back still on its way counts too. */
async function settled(store: StoreRun): Promise<number> {
  let last = await store.operations();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = await store.operations();
    if (now === last) return now;
    last = now;
  }
}

/**
 * Offers `spec.offered` requests over one window (starting at a window boundary, so a fixed window sees them
 * all), one at a time in arrival order, each to its isolate, on a fresh prefix: no state from another run.
 */
export async function runWindow(shared: SharedStore, spec: WindowSpec): Promise<WindowResult> {
  const store = shared.run();
  const start = nextWindowStart(Date.now(), spec.windowMs);
  const clock = new SimulatedClock(start);
  const prefix = `pf${Date.now().toString(36)}-${serial++}`;
  const isolates = Array.from({ length: spec.isolates }, () =>
    store.isolate({ rules: [spec.rule], prefetch: spec.prefetch, prefix, clock: clock.read }),
  );
  try {
    const before = await store.operations();
    let admitted = 0;
    let degraded = 0;
    for (const arrival of loadSchedule(spec.offered, spec.windowMs, spec.isolates, start)) {
      clock.advanceTo(arrival.at);
      const decision = await isolates[arrival.isolate]!.limiter.limit("hot");
      if (decision.degraded) degraded++;
      else if (decision.allowed) admitted++;
    }
    const operations = (await settled(store)) - before;
    return {
      offered: spec.offered,
      admitted,
      operationsPerDecision: spec.offered === 0 ? 0 : operations / spec.offered,
      degraded,
    };
  } finally {
    for (const isolate of isolates) isolate.close();
  }
}

/** What the exact limiter admits on the same arrivals: one memory store, so one state for every isolate. */
export async function exactCount(rule: RuleInput, windowMs: number, offered: number): Promise<number> {
  const start = nextWindowStart(Date.now(), windowMs);
  const clock = new SimulatedClock(start);
  const limiter = createRateLimiter({ store: memoryStore(), rules: [rule], clock: clock.read });
  let admitted = 0;
  for (const arrival of loadSchedule(offered, windowMs, 1, start)) {
    clock.advanceTo(arrival.at);
    if ((await limiter.limit("hot")).allowed) admitted++;
  }
  return admitted;
}
