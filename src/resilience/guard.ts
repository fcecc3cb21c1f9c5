import type { RateLimiterOptions } from "../config.ts";
import { type Decision, type Reason, type RuleInfo, ruleDecision } from "../decision.ts";
import { describe } from "../describe.ts";
import { parseDuration } from "../duration.ts";
import { StoreError } from "../errors.ts";
import { createRateLimiter } from "../limiter.ts";
import { type Counters, type LatencySummary, latencyWindow } from "../metrics.ts";
import type { RuleInput } from "../rules/input.ts";
import type { Store, StoreRequest, StoreResponse } from "../store.ts";
import { type CircuitState, circuitBreaker as newBreaker } from "./circuit-breaker.ts";
import { denyCache } from "./deny-cache.ts";

/**
 * The options a guard reads, as `createRateLimiter` received them: `onStoreError`, `circuitBreaker`, `denyCache` and
 * `onError`, and with a fallback store the rest too, so that the fallback limiter has the same rules.
 */
export type GuardOptions = RateLimiterOptions;

/** What the limiter hands its guard. */
export interface GuardContext {
  readonly store: Store;
  readonly infos: readonly RuleInfo[];
  readonly timeoutMs: number;
  readonly clock: () => number;
  readonly stats: Counters;
  /** Turns a store response into a decision (caps, leases). */
  readonly answer: (key: string, asked: number, response: StoreResponse) => Decision;
}

export interface Guarded {
  /** One decision through the time budget, the breaker, the deny cache and the failure policy. */
  decide(
    key: string,
    fullKey: string,
    request: Omit<StoreRequest, "key" | "signal"> & { asked: number },
  ): Promise<{ decision: Decision; latency: number; requests: number }>;
  /** Any other store call (reset, release, ping) within the time budget. */
  call<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Drops a key's deny-cache entry (after a reset). */
  forget(key: string): void;
  circuit(): CircuitState;
  /** Store latency over the last 1024 calls. */
  latency(): LatencySummary;
}

/** The guard's settings, validated; they appear in `limiter.config`. */
export interface GuardConfig {
  readonly circuitBreaker: { readonly failureThreshold: number; readonly cooldownMs: number } | undefined;
  readonly denyCacheKeys: number;
  /** With `onStoreError: { fallback }`: the part of each rule's quota the fallback admits per isolate. */
  readonly fallbackShare?: number;
}

/**
 * Everything a store that does I/O needs when that I/O fails or hangs: the time budget (the store call is
 * aborted), the circuit breaker, the deny cache and the failure policy. Stores that do I/O carry it
 * (`guard: ioGuard`); a store without I/O leaves it out, and a Worker using only that store never bundles it.
 */
export const ioGuard = { check, create };

function check(options: GuardOptions, problems: string[]): GuardConfig {
  const breaker = options.circuitBreaker ?? {};
  let circuitBreaker: GuardConfig["circuitBreaker"];
  if (breaker !== false) {
    const failureThreshold = breaker.failureThreshold ?? 5;
    const cooldownMs = parseDuration(breaker.cooldown ?? 10_000);
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
      problems.push(`circuitBreaker.failureThreshold: expected a whole number ≥ 1, got ${describe(failureThreshold)}`);
    }
    if (typeof cooldownMs === "string") problems.push(`circuitBreaker.cooldown: ${cooldownMs}`);
    else circuitBreaker = Object.freeze({ failureThreshold, cooldownMs });
  }
  const cache = options.denyCache ?? {};
  const denyCacheKeys = cache === false ? 0 : (cache.maxKeys ?? 10_000);
  if (!Number.isInteger(denyCacheKeys) || denyCacheKeys < 0) {
    problems.push(`denyCache.maxKeys: expected a whole number ≥ 1, got ${describe(denyCacheKeys)}`);
  }
  const policy = options.onStoreError;
  if (typeof policy === "object" && policy !== null) {
    const share = policy.share === undefined ? 0.1 : policy.share;
    if (typeof share === "number" && share > 0 && share <= 1)
      return { circuitBreaker, denyCacheKeys, fallbackShare: share };
    problems.push(
      `onStoreError.share: expected the part of each quota the fallback admits per isolate, above 0 and at most 1, got ${describe(share)}`,
    );
  }
  return { circuitBreaker, denyCacheKeys };
}

function create(context: GuardContext, options: GuardOptions, config: GuardConfig): Guarded {
  const { store, infos, timeoutMs, clock, stats, answer } = context;
  const { onError, onStoreError: policy = "allow" } = options;
  const fallback = typeof policy === "object" ? fallbackLimiter(options, policy.fallback, infos, config) : undefined;
  const { circuitBreaker } = config;
  const breaker = circuitBreaker && newBreaker(circuitBreaker.failureThreshold, circuitBreaker.cooldownMs);
  const denied = config.denyCacheKeys > 0 ? denyCache(config.denyCacheKeys) : undefined;
  const latencies = latencyWindow();

  async function call<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
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
      return await Promise.race([run(controller.signal), expired]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  async function failed(cause: unknown, key: string, cost: number, consume: boolean, now: number, report: boolean) {
    const timedOut = cause instanceof TimeoutError;
    const error =
      cause instanceof StoreError ? cause : new StoreError(store.name, `request failed: ${String(cause)}`, { cause });
    stats.degraded++;
    if (report) {
      if (timedOut) stats.timeouts++;
      else stats.errors++;
      if (onError) quietly(() => onError(error));
    }
    const reason: Reason = timedOut ? "timeout" : "store-error";
    if (fallback) return { ...(await fallback[consume ? "limit" : "peek"](key, { cost })), reason, degraded: true };
    if (policy === "throw") throw error;
    return degraded(infos, policy === "allow", reason, now);
  }

  return {
    call,
    forget: (key) => denied?.delete(key),
    circuit: () => breaker?.state() ?? "closed",
    latency: () => latencies.summary(),
    async decide(key, fullKey, request) {
      const { asked, now, consume } = request;
      // A cost above capacity (asked to the store as cost 0) can never be allowed: the store's answer
      // (exceeds-capacity, never) beats a cached retry.
      const cached =
        request.cost === asked ? denied?.get(key, asked, now, request.rules, request.evaluators) : undefined;
      if (cached) {
        stats.cacheHits++;
        return { decision: cached, latency: 0, requests: 0 };
      }
      if (breaker && !breaker.allows(now)) {
        stats.circuitOpen++;
        const error = new StoreError(store.name, "circuit open after repeated failures; not calling the store");
        return { decision: await failed(error, key, asked, consume, now, false), latency: 0, requests: 0 };
      }
      const started = performance.now();
      let decision: Decision;
      try {
        const response = await call((signal) => store.apply({ ...request, key: fullKey, signal }));
        decision = answer(key, asked, response);
        breaker?.succeeded();
        denied?.remember(key, asked, now, decision);
      } catch (cause) {
        breaker?.failed(clock());
        decision = await failed(cause, key, asked, consume, now, true);
      }
      const latency = performance.now() - started;
      stats.storeCalls++;
      latencies.record(latency);
      return { decision, latency, requests: 1 };
    },
  };
}

/**
 * With `onStoreError: { fallback }`: a limiter with the same rules on the fallback store, each count scaled by
 * the validated `fallbackShare`. The hooks stay with the main limiter, so the fallback's own decisions are not
 * reported a second time.
 */
function fallbackLimiter(options: GuardOptions, store: Store, infos: readonly RuleInfo[], config: GuardConfig) {
  const { onDecision: _decision, onError: _error, ...unhooked } = options;
  // The same names, so headers and `decision.rules` read alike whichever store decided.
  const rules = options.rules.map((input, i) => shareOf(input, infos[i]!.name, config.fallbackShare!));
  return createRateLimiter({ ...unhooked, rules, store, onStoreError: "allow", denyCache: false });
}

/** A rule whose counts are `share` of the given ones, rounded down, at least 1; durations stay as they are. */
function shareOf(input: RuleInput, name: string, share: number): RuleInput {
  const options: Record<string, unknown> = { ...input.options, name };
  // Every count option of every algorithm (durations have other names).
  for (const option of ["limit", "burst", "capacity", "refillRate"]) {
    const count = options[option];
    // 12 significant digits first: 100 × 0.29 is 28.999999999999996 in binary floating point, and means 29.
    if (typeof count === "number") options[option] = Math.max(1, Math.floor(Number((count * share).toPrecision(12))));
  }
  return { ...input, options };
}

class TimeoutError extends StoreError {
  override name = "TimeoutError";
}

/** The failure policy's answer when the store did not decide: no real numbers, so `remaining` is 0. */
function degraded(infos: readonly RuleInfo[], allowed: boolean, reason: Reason, now: number): Decision {
  const retryAfterMs = allowed ? 0 : 1000;
  const rules = infos.map((info) => ruleDecision(info, { allowed, remaining: 0, resetAt: now, retryAfterMs }));
  const limit = infos[0]!.quota;
  return { allowed, limit, remaining: 0, resetAt: now, retryAfterMs, reason, degraded: true, now, rules };
}

function quietly(hook: () => void): void {
  try {
    hook();
  } catch {
    // A failing hook must not change the decision.
  }
}
