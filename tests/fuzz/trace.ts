import fc from "fast-check";
import {
  concurrency,
  type Decision,
  fixedWindow,
  gcra,
  type RuleInput,
  slidingWindow,
  tokenBucket,
} from "../../src/index.ts";
import { type RemoteStore, standardLayers } from "../../src/store-entry.ts";
import { memoryStore } from "../../src/stores/memory.ts";

/** One rule of a trace, as plain data (so fast-check can print and shrink it). */
export type RuleSpec =
  | { readonly kind: "fixed" | "sliding"; readonly limit: number; readonly ms: number }
  | { readonly kind: "bucket"; readonly capacity: number; readonly rate: number; readonly ms: number }
  | { readonly kind: "gcra"; readonly limit: number; readonly ms: number; readonly burst: number }
  | { readonly kind: "leases"; readonly limit: number; readonly ms: number };

/**
 * How far the clock moves before a step: `ms` exactly, or to a time the previous decision named (`retry` =
 * now + retryAfterMs, `reset` = resetAt, `edge` = the next boundary of the first windowed rule, `lease` = the
 * last lease's expiry), plus `shift` (−1, 0 or +1).
 */
export type Advance =
  | { readonly to: "ms"; readonly ms: number }
  | { readonly to: "retry" | "reset" | "edge" | "lease"; readonly shift: number };

export interface Step {
  readonly isolate: number;
  readonly op: "limit" | "peek" | "reset" | "release";
  /** For limit/peek: the cost as a share of the rules' capacity (0 … capacity + 2), see `costOf`. */
  readonly cost: number;
  /** The cost itself, for hand-written traces (the regression cases). */
  readonly exactCost?: number;
  readonly advance: Advance;
}

export interface Trace {
  readonly rules: readonly RuleSpec[];
  /** Milliseconds after tomorrow's midnight (UTC) the trace starts: unaligned on purpose. */
  readonly start: number;
  readonly steps: readonly Step[];
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Durations 1 ms … 1 day, with the awkward ones the issue names (7 ms, 999 ms, 61 s). */
const durations = fc.oneof(
  fc.constantFrom(1, 2, 7, 10, 999, 1000, 61_000, MINUTE, 3_600_000, DAY),
  fc.integer({ min: 1, max: DAY }),
);
const limits = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 12 }) }, fc.integer({ min: 1, max: 1000 }));

const windowed = fc.record({
  kind: fc.constantFrom("fixed" as const, "sliding" as const),
  limit: limits,
  ms: durations,
});
const bucket = limits.chain((capacity) =>
  fc.record({
    kind: fc.constant("bucket" as const),
    capacity: fc.constant(capacity),
    rate: fc.integer({ min: 1, max: capacity }),
    ms: durations,
  }),
);
const gcraSpec = fc.record({ kind: fc.constant("gcra" as const), limit: limits, ms: durations, burst: limits });
const leases = fc.record({ kind: fc.constant("leases" as const), limit: limits, ms: durations });

const advance: fc.Arbitrary<Advance> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ to: fc.constant("ms" as const), ms: fc.constantFrom(0, 0, 1, 2, 5) }) },
  { weight: 2, arbitrary: fc.record({ to: fc.constant("ms" as const), ms: fc.integer({ min: 0, max: 2 * DAY }) }) },
  fc.record({ to: fc.constantFrom("retry", "reset", "edge", "lease"), shift: fc.constantFrom(-1, 0, 1) }),
) as fc.Arbitrary<Advance>;

/** Random traces: 1 to 3 rules of every algorithm, a concurrency rule in about 30 % of them. */
export function traces(options: { isolates: number; steps: number; ops?: readonly Step["op"][] }) {
  const ops = options.ops ?? ["limit", "limit", "limit", "peek", "reset", "release"];
  const step = fc.record({
    isolate: fc.integer({ min: 0, max: options.isolates - 1 }),
    op: fc.constantFrom(...ops),
    cost: fc.integer({ min: 0, max: 1000 }),
    advance,
  });
  const rules = fc
    .tuple(
      fc.array(fc.oneof(windowed, bucket, gcraSpec), { minLength: 1, maxLength: 3 }),
      fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: leases }),
    )
    .map(([timed, lease]) => (lease ? [...timed.slice(0, 2), lease] : timed) as RuleSpec[]);
  return fc.record({
    rules,
    start: fc.integer({ min: 0, max: DAY - 1 }),
    // size "max": lengths spread over 1 … steps (fast-check's default keeps arrays near 10).
    steps: fc.array(step, { minLength: 1, maxLength: options.steps, size: "max" }),
  });
}

/** The rule inputs of a trace, each named after its place (`r0`, `r1`, …). */
export function ruleInputs(specs: readonly RuleSpec[]): RuleInput[] {
  return specs.map((s, i) => {
    const name = `r${i}`;
    switch (s.kind) {
      case "fixed":
        return fixedWindow({ limit: s.limit, window: s.ms, name });
      case "sliding":
        return slidingWindow({ limit: s.limit, window: s.ms, name });
      case "bucket":
        return tokenBucket({ capacity: s.capacity, refillRate: s.rate, interval: s.ms, name });
      case "gcra":
        return gcra({ limit: s.limit, period: s.ms, burst: s.burst, name });
      default:
        return concurrency({ limit: s.limit, lease: s.ms, name });
    }
  });
}

/** The smallest capacity of the rules: costs run from 0 to this + 2. */
export function capacityOf(specs: readonly RuleSpec[]): number {
  return Math.min(...specs.map((s) => (s.kind === "bucket" ? s.capacity : s.kind === "gcra" ? s.burst : s.limit)));
}

/** A step's cost: small costs most of the time, every cost up to capacity + 2 sometimes. */
export function costOf(raw: number, capacity: number): number {
  return raw < 500 ? Math.min(raw % 4, capacity + 2) : raw % (capacity + 3);
}

/** Where the clock goes next, from the previous decision and the rules. */
export function nextTime(now: number, a: Advance, last: Decision | undefined, specs: readonly RuleSpec[]): number {
  if (a.to === "ms") return now + a.ms;
  let target = now;
  if (a.to === "retry" && last && Number.isFinite(last.retryAfterMs)) target = last.now + last.retryAfterMs;
  else if (a.to === "reset" && last) target = last.resetAt;
  else if (a.to === "lease" && last?.leaseId) target = Number(last.leaseId.split(",")[0]!.split(":")[2]);
  else if (a.to === "edge") {
    const w = specs.find((s) => s.kind === "fixed" || s.kind === "sliding")?.ms ?? specs[0]!.ms;
    target = now - (now % w) + w;
  }
  return Math.max(now, target + a.shift);
}

/** Tomorrow's UTC midnight plus `offsetMs`: ahead of real time, so TTLs on real time keep what a trace writes. */
export function tomorrowAt(offsetMs: number): number {
  return Math.floor(Date.now() / DAY) * DAY + DAY + offsetMs;
}

/**
 * The memory store behind an I/O face (no `local`, `layers: standardLayers`): limiters on it get the deny cache, and
 * several limiters on one such store are isolates sharing a key, with the memory store as the exact truth.
 */
export function remoteMemory(): RemoteStore {
  const { local: _local, ...store } = memoryStore();
  return { ...store, name: "memory-remote", layers: standardLayers };
}

/** A decision without its `release` function, for comparing. */
export function plain(d: Decision): Omit<Decision, "release"> {
  const { release: _release, ...rest } = d;
  return rest;
}

/**
 * What a deny-cache answer may differ in from the truth, as a list of problems (empty when it keeps the rules):
 * `allowed` equal (both false); `retryAfterMs` and `resetAt` never earlier, `remaining` never higher, per rule and
 * overall; a rule reported allowed is allowed; names, algorithms, limits and windows equal.
 */
export function boundProblems(cached: Decision, truth: Decision): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  check(cached.reason === "cached" && !cached.degraded, "marked cached, not degraded");
  check(cached.allowed === truth.allowed && !truth.allowed, `allowed ${cached.allowed} vs ${truth.allowed}`);
  check(cached.retryAfterMs >= truth.retryAfterMs, `retryAfterMs ${cached.retryAfterMs} < ${truth.retryAfterMs}`);
  check(cached.remaining <= truth.remaining, `remaining ${cached.remaining} > ${truth.remaining}`);
  check(cached.resetAt >= truth.resetAt, `resetAt ${cached.resetAt} < ${truth.resetAt}`);
  check(cached.now === truth.now, `now ${cached.now} vs ${truth.now}`);
  check(cached.leaseId === undefined, "no lease");
  check(cached.rules.length === truth.rules.length, "one entry per rule");
  truth.rules.forEach((t, i) => {
    const c = cached.rules[i]!;
    const at = `rules[${i}]`;
    check(c.name === t.name && c.algorithm === t.algorithm, `${at} is the same rule`);
    check(c.limit === t.limit && c.windowMs === t.windowMs, `${at} limit and window`);
    check(!c.allowed || t.allowed, `${at} allowed but truth denies`);
    check(c.retryAfterMs >= t.retryAfterMs, `${at}.retryAfterMs ${c.retryAfterMs} < ${t.retryAfterMs}`);
    check(c.remaining <= t.remaining, `${at}.remaining ${c.remaining} > ${t.remaining}`);
    check(c.resetAt >= t.resetAt, `${at}.resetAt ${c.resetAt} < ${t.resetAt}`);
  });
  return problems;
}
