import type { Step, Trace } from "./trace.ts";

/** A hand-written trace the fuzz found once, run on every backend: its name, isolates and deny cache. */
export interface Regression {
  readonly name: string;
  readonly trace: Trace;
  readonly isolates: number;
  readonly denyCache: boolean;
}

const now = { to: "ms", ms: 0 } as const;
/** A step: for limit/peek `n` is the cost, for release the index of the lease (in the order taken). */
const step = (isolate: number, op: Step["op"], n: number, advance: Step["advance"] = now): Step => ({
  isolate,
  op,
  cost: n,
  exactCost: n,
  advance,
});
const after = (ms: number) => ({ to: "ms", ms }) as const;

/** The minimal traces of issue 19. */
export const REGRESSIONS: readonly Regression[] = [
  {
    // The deny cache answered a larger cost with the cached deadline (retryAfterMs 1 where the store says 2).
    name: "deny cache: tokenBucket capacity 3, 1 per ms: limit 2, limit 2, peek 3",
    trace: {
      rules: [{ kind: "bucket", capacity: 3, rate: 1, ms: 1 }],
      start: 0,
      steps: [step(0, "limit", 2), step(0, "limit", 2), step(0, "peek", 3), step(0, "limit", 3)],
    },
    isolates: 1,
    denyCache: true,
  },
  {
    // DynamoDB denied from A's cached item: remaining 4 where the truth is 1.
    name: "two isolates: fixedWindow 10 per minute: A 6, B 3, A 5",
    trace: {
      rules: [{ kind: "fixed", limit: 10, ms: 60_000 }],
      start: 1000,
      steps: [step(0, "limit", 6), step(1, "limit", 3), step(0, "limit", 5), step(0, "peek", 1)],
    },
    isolates: 2,
    denyCache: false,
  },
  {
    // DynamoDB denied from A's cached item: retryAfterMs 3 and remaining 135 where the truth is 4 and 134.
    name: "two isolates: gcra 192 per 10 ms: A 57, B 1, A 192",
    trace: {
      rules: [{ kind: "gcra", limit: 192, ms: 10, burst: 192 }],
      start: 3,
      steps: [step(0, "limit", 57), step(1, "limit", 1), step(0, "limit", 192)],
    },
    isolates: 2,
    denyCache: false,
  },
  {
    // Lease 2 released early keeps the key until its expiry (t + 150); releasing the expired lease 1 at t + 101
    // ends the key's life, so the next lease id is 1. DynamoDB's release skipped the expired lease: it said 3.
    name: "concurrency: release a lease that has expired, then the next leaseId",
    trace: {
      rules: [{ kind: "leases", limit: 2, ms: 100 }],
      start: 5,
      steps: [
        step(0, "limit", 1),
        step(0, "limit", 1, after(50)),
        step(0, "release", 1, after(10)),
        step(0, "release", 0, after(41)),
        step(0, "limit", 1, after(1)),
      ],
    },
    isolates: 1,
    denyCache: false,
  },
];
