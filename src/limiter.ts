import type { RuleOutcome } from "./algorithms/apply.ts";
import { type RateLimiterConfig, type RateLimiterOptions, validateOptions } from "./config.ts";
import type { Decision, Reason, RuleDecision } from "./decision.ts";
import { type Duration, describe, parseDuration } from "./duration.ts";
import { ConfigError, StoreError } from "./errors.ts";
import { type Metrics, MetricsRecorder } from "./metrics.ts";
import { capacityOf, policyOf, type Rule } from "./rules.ts";
import type { StoreResponse } from "./store.ts";

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

  const policies = rules.map(policyOf);
  const { local } = store;

  async function callStore<T>(call: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
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
      clearTimeout(timer);
    }
  }

  function request(key: string, limitOptions: LimitOptions | undefined, consume: boolean) {
    checkKey(key);
    const cost = checkCost(limitOptions?.cost);
    const fits = cost <= capacity;
    return { rules, cost: fits ? cost : 0, now: clock(), consume: consume && fits, asked: cost };
  }

  function answer(asked: number, response: StoreResponse): Decision {
    return asked <= capacity
      ? combine(rules, policies, response.outcomes, response.now)
      : tooLarge(rules, policies, response.outcomes, asked, response.now);
  }

  function finish(key: string, decision: Decision, latency: number): Decision {
    if (decision.allowed) stats.allowed++;
    else stats.denied++;
    if (onDecision) quietly(() => onDecision({ key, decision, storeLatencyMs: latency }));
    return decision;
  }

  // Stores without I/O decide synchronously: no promise chain, no timer, no latency clock.
  function decideNow(key: string, limitOptions: LimitOptions | undefined, consume: boolean): Promise<Decision> {
    try {
      const asked = request(key, limitOptions, consume);
      stats.storeCalls++;
      return Promise.resolve(finish(key, answer(asked.asked, local!.apply(prefix, key, asked)), 0));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async function decide(key: string, limitOptions: LimitOptions | undefined, consume: boolean): Promise<Decision> {
    const asked = request(key, limitOptions, consume);
    const started = performance.now();
    let decision: Decision;
    try {
      const fullKey = prefix === "" ? key : `${prefix}:${key}`;
      const response = await callStore((signal) => store.apply({ ...asked, key: fullKey, signal }));
      decision = answer(asked.asked, response);
    } catch (cause) {
      decision = failed(cause, asked.now);
    }
    const latency = performance.now() - started;
    stats.recordLatency(latency);
    return finish(key, decision, latency);
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
    return degraded(rules, policies, allowed, timedOut ? "timeout" : "store-error", now);
  }

  async function acquire(key: string, acquireOptions: AcquireOptions = {}): Promise<Decision> {
    const waitMs = parseDuration(acquireOptions.timeout ?? 10_000);
    if (typeof waitMs === "string") throw new ConfigError([`acquire: timeout: ${waitMs}`]);
    const { signal } = acquireOptions;
    const start = clock();
    for (;;) {
      signal?.throwIfAborted();
      const decision = await (local ? decideNow : decide)(key, acquireOptions, true);
      if (decision.allowed || decision.degraded) return decision;
      if (clock() - start + decision.retryAfterMs > waitMs) return decision;
      await sleep(decision.retryAfterMs, signal);
    }
  }

  async function reset(key: string): Promise<void> {
    checkKey(key);
    if (local) return local.reset(prefix, key);
    await callStore((signal) => store.reset(prefix === "" ? key : `${prefix}:${key}`, signal));
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
    limit: local
      ? (key: string, o?: LimitOptions) => decideNow(key, o, true)
      : (key: string, o?: LimitOptions) => decide(key, o, true),
    peek: (key: string, o?: LimitOptions) => (local ? decideNow(key, o, false) : decide(key, o, false)),
    reset,
    acquire,
    metrics: () => stats.snapshot(),
    health,
    config,
  });
}

class TimeoutError extends StoreError {
  override name = "TimeoutError";
}

function checkKey(key: unknown): void {
  if (typeof key !== "string" || key.length === 0) {
    throw new ConfigError([`key must be a non-empty string, got ${describe(key)}`]);
  }
}

function checkCost(cost: unknown): number {
  if (cost === undefined) return 1;
  if (typeof cost !== "number" || !Number.isSafeInteger(cost) || cost < 0) {
    throw new ConfigError([`cost must be a whole number ≥ 0, got ${describe(cost)}`]);
  }
  return cost;
}

type Policy = ReturnType<typeof policyOf>;

function ruleDecision(rule: Rule, policy: Policy, o: RuleOutcome): RuleDecision {
  return {
    name: rule.name,
    algorithm: rule.algorithm,
    allowed: o.allowed,
    limit: policy.quota,
    windowMs: policy.windowMs,
    remaining: o.remaining,
    resetAt: o.resetAt,
    retryAfterMs: o.retryAfterMs,
  };
}

/** Builds the decision: allowed only when every rule allows; the headline numbers come from the tightest rule. */
function combine(
  rules: readonly Rule[],
  policies: readonly Policy[],
  outcomes: readonly RuleOutcome[],
  now: number,
): Decision {
  const perRule = rules.map((rule, i) => ruleDecision(rule, policies[i]!, outcomes[i]!));
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
function tooLarge(
  rules: readonly Rule[],
  policies: readonly Policy[],
  outcomes: readonly RuleOutcome[],
  cost: number,
  now: number,
): Decision {
  const withCost = outcomes.map((o, i) =>
    cost > capacityOf(rules[i]!)
      ? { ...o, allowed: false, retryAfterMs: Number.POSITIVE_INFINITY }
      : { ...o, allowed: cost <= o.remaining },
  );
  return { ...combine(rules, policies, withCost, now), reason: "exceeds-capacity" };
}

function degraded(
  rules: readonly Rule[],
  policies: readonly Policy[],
  allowed: boolean,
  reason: Reason,
  now: number,
): Decision {
  const perRule = rules.map((rule, i) =>
    ruleDecision(rule, policies[i]!, { allowed, remaining: 0, resetAt: now, retryAfterMs: allowed ? 0 : 1000 }),
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
    if (signal?.aborted) return reject(signal.reason);
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
