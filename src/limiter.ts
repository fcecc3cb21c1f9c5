import type { RuleOutcome } from "./algorithms/apply.ts";
import { type RateLimiterConfig, type RateLimiterOptions, validateOptions } from "./config.ts";
import type { Decision, Reason, RuleDecision } from "./decision.ts";
import { type Duration, describe, parseDuration } from "./duration.ts";
import { ConfigError, StoreError } from "./errors.ts";
import { type Metrics, MetricsRecorder } from "./metrics.ts";
import { capacityOf, policyOf, type Rule } from "./rules.ts";

export interface LimitOptions {
  /** Units this request uses: a whole number ≥ 0 (default 1). `0` only looks. */
  cost?: number;
}

export interface AcquireOptions extends LimitOptions {
  /** Longest time to wait for the quota (default 10s). When it would be exceeded, the denial is returned. */
  timeout?: Duration;
  /** Stops waiting; `acquire` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface Health {
  readonly ok: boolean;
  readonly store: string;
  readonly latencyMs: number;
  /** Why the probe failed, when it did. */
  readonly error?: string;
}

export interface RateLimiter {
  /** Decides one request and consumes its cost when allowed. */
  limit(key: string, options?: LimitOptions): Promise<Decision>;
  /** Tells whether `limit` with this cost would be allowed now; consumes nothing. */
  peek(key: string, options?: LimitOptions): Promise<Decision>;
  /** Forgets all usage of a key. */
  reset(key: string): Promise<void>;
  /** Waits until the request is allowed (then consumed), the timeout would pass, or the signal aborts. */
  acquire(key: string, options?: AcquireOptions): Promise<Decision>;
  metrics(): Metrics;
  health(): Promise<Health>;
  readonly config: RateLimiterConfig;
}

/** Creates a rate limiter. Throws a `ConfigError` listing every problem of the options. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const config = validateOptions(options);
  const { store, onDecision, onError } = options;
  const clock = options.clock ?? Date.now;
  const { rules, prefix, timeoutMs, onStoreError } = config;
  const capacity = Math.min(...rules.map(capacityOf));
  const stats = new MetricsRecorder();

  async function callStore<T>(call: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    if (store.local) return call(undefined);
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new TimeoutError(store.name, `no answer within ${timeoutMs}ms; the request was aborted`);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      return await Promise.race([call(controller.signal), expired]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  async function decide(key: string, limitOptions: LimitOptions | undefined, consume: boolean): Promise<Decision> {
    const fullKey = checkKey(key, prefix);
    const cost = checkCost(limitOptions?.cost);
    const fits = cost <= capacity;
    const now = clock();
    const started = performance.now();
    let decision: Decision;
    let latency = 0;
    try {
      const response = await callStore((signal) =>
        store.apply({ key: fullKey, rules, cost: fits ? cost : 0, now, consume: consume && fits, signal }),
      );
      latency = performance.now() - started;
      stats.recordLatency(latency);
      decision = fits
        ? combine(rules, response.outcomes, response.now)
        : tooLarge(rules, response.outcomes, cost, response.now);
    } catch (cause) {
      latency = performance.now() - started;
      decision = failed(cause, now);
    }
    if (decision.allowed) stats.allowed++;
    else stats.denied++;
    if (onDecision) quietly(() => onDecision({ key, decision, storeLatencyMs: latency }));
    return decision;
  }

  function failed(cause: unknown, now: number): Decision {
    const timedOut = cause instanceof TimeoutError;
    const error =
      cause instanceof StoreError ? cause : new StoreError(store.name, `request failed: ${String(cause)}`, { cause });
    stats.degraded++;
    if (timedOut) stats.timeouts++;
    else stats.errors++;
    if (onError) quietly(() => onError(error));
    if (onStoreError === "throw") throw error;
    const allowed = onStoreError === "allow";
    return degraded(rules, allowed, timedOut ? "timeout" : "store-error", now);
  }

  async function acquire(key: string, acquireOptions: AcquireOptions = {}): Promise<Decision> {
    const waitMs = parseDuration(acquireOptions.timeout ?? 10_000);
    if (typeof waitMs === "string") throw new ConfigError([`acquire: timeout: ${waitMs}`]);
    const { signal } = acquireOptions;
    const start = clock();
    for (;;) {
      signal?.throwIfAborted();
      const decision = await decide(key, acquireOptions, true);
      if (decision.allowed || decision.degraded) return decision;
      if (clock() - start + decision.retryAfterMs > waitMs) return decision;
      await sleep(decision.retryAfterMs, signal);
    }
  }

  async function health(): Promise<Health> {
    const started = performance.now();
    try {
      await callStore((signal) => store.ping(signal));
      return { ok: true, store: store.name, latencyMs: performance.now() - started };
    } catch (error) {
      return { ok: false, store: store.name, latencyMs: performance.now() - started, error: String(error) };
    }
  }

  return Object.freeze({
    limit: (key: string, o?: LimitOptions) => decide(key, o, true),
    peek: (key: string, o?: LimitOptions) => decide(key, o, false),
    reset: (key: string) => callStore((signal) => store.reset(checkKey(key, prefix), signal)),
    acquire,
    metrics: () => stats.snapshot(),
    health,
    config,
  });
}

class TimeoutError extends StoreError {
  override name = "TimeoutError";
}

function checkKey(key: unknown, prefix: string): string {
  if (typeof key !== "string" || key.length === 0) {
    throw new ConfigError([`key must be a non-empty string, got ${describe(key)}`]);
  }
  return prefix === "" ? key : `${prefix}:${key}`;
}

function checkCost(cost: unknown): number {
  if (cost === undefined) return 1;
  if (typeof cost !== "number" || !Number.isSafeInteger(cost) || cost < 0) {
    throw new ConfigError([`cost must be a whole number ≥ 0, got ${describe(cost)}`]);
  }
  return cost;
}

function ruleDecision(rule: Rule, outcome: RuleOutcome): RuleDecision {
  const { quota, windowMs } = policyOf(rule);
  return { name: rule.name, algorithm: rule.algorithm, limit: quota, windowMs, ...outcome };
}

/** Builds the decision: allowed only when every rule allows; the headline numbers come from the tightest rule. */
export function combine(rules: readonly Rule[], outcomes: readonly RuleOutcome[], now: number): Decision {
  const perRule = rules.map((rule, i) => ruleDecision(rule, outcomes[i]!));
  const allowed = perRule.every((r) => r.allowed);
  let tightest = perRule[0]!;
  let retryAfterMs = 0;
  for (const r of perRule) {
    if (!allowed && r.retryAfterMs > retryAfterMs) retryAfterMs = r.retryAfterMs;
    if (allowed ? r.remaining < tightest.remaining : r.retryAfterMs > tightest.retryAfterMs) tightest = r;
  }
  return {
    allowed,
    limit: tightest.limit,
    remaining: tightest.remaining,
    resetAt: tightest.resetAt,
    retryAfterMs,
    reason: allowed ? "allowed" : "limited",
    degraded: false,
    now,
    rules: perRule,
  };
}

/**
 * A cost above some rule's capacity: the store was only asked to look (cost 0). Under every algorithm a cost
 * fits exactly when it is at most `remaining`, so each rule's `allowed` is still exact; a rule's own
 * `retryAfterMs` is Infinity where the cost exceeds its capacity and 0 elsewhere (not asked).
 */
function tooLarge(rules: readonly Rule[], outcomes: readonly RuleOutcome[], cost: number, now: number): Decision {
  const withCost = outcomes.map((o, i) =>
    cost > capacityOf(rules[i]!)
      ? { ...o, allowed: false, retryAfterMs: Number.POSITIVE_INFINITY }
      : { ...o, allowed: cost <= o.remaining },
  );
  return { ...combine(rules, withCost, now), reason: "exceeds-capacity" };
}

function degraded(rules: readonly Rule[], allowed: boolean, reason: Reason, now: number): Decision {
  const perRule = rules.map((rule) =>
    ruleDecision(rule, { allowed, remaining: 0, resetAt: now, retryAfterMs: allowed ? 0 : 1000 }),
  );
  const first = perRule[0]!;
  return {
    allowed,
    limit: first.limit,
    remaining: 0,
    resetAt: now,
    retryAfterMs: first.retryAfterMs,
    reason,
    degraded: true,
    now,
    rules: perRule,
  };
}

function quietly(hook: () => void): void {
  try {
    hook();
  } catch {
    // A failing hook must not change the decision.
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}
