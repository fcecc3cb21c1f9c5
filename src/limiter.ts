import { type RateLimiterConfig, type RateLimiterOptions, validateOptions } from "./config.ts";
import { combine, type Decision, type RuleInfo, tooLarge } from "./decision.ts";
import { describe } from "./describe.ts";
import { type Duration, parseDuration } from "./duration.ts";
import { ConfigError } from "./errors.ts";
import type { LayerContext, RemoteStore } from "./layers/layer.ts";
import { type Metrics, NO_LATENCY, newCounters } from "./metrics.ts";
import type { Rule } from "./rules/types.ts";
import { sleep } from "./sleep.ts";
import { storagePrefix, wellFormed } from "./storage-key.ts";
import type { LocalStore, Store, StoreResponse } from "./store.ts";
import type { Asked, SetLimitsOptions, TenantLimits } from "./tenants.ts";

export interface LimitOptions {
  /** Units this request uses: a whole number ≥ 0 (default 1). `0` only looks. */
  cost?: number;
  /**
   * This call's quota for the named rules, by rule name: the number `RuleDecision.limit` reports (a token bucket's
   * `capacity`, every other rule's `limit`), as if the rule had been written with it; its other options stay. Only
   * with `createRateLimiter({ tenants: tenantLimits() })`; without it, `limits` is rejected like any unknown option.
   * State is kept by rule name, so usage counts against whichever quota a call brings (docs/tenants.md).
   */
  limits?: Readonly<Record<string, number>>;
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
  /** Forgets all usage of a key (and its deny-cache entry in this isolate). */
  reset(key: string): Promise<void>;
  /** Gives back the concurrency leases of a decision (`decision.leaseId`), from any isolate. Idempotent. */
  release(key: string, leaseId: string): Promise<void>;
  /** Waits until the request is allowed (then consumed), the timeout would pass, or the signal aborts. */
  acquire(key: string, options?: AcquireOptions): Promise<Decision>;
  metrics(): Metrics;
  health(): Promise<Health>;
  readonly config: RateLimiterConfig;
}

/** A limiter made with `tenants: tenantLimits()`: it also stores per-key quotas (docs/tenants.md). */
export interface TenantRateLimiter extends RateLimiter {
  /**
   * Stores quotas for `key` by rule name (as `limits` takes them), replacing every quota stored for it before; `null`
   * clears them. Every isolate applies them on its next decision on the key, with no extra store request; a call's
   * own `limits` win for the rules they name; `reset(key)` clears them. They last `ttl` (default 30 days, at most 10
   * years) from the store's clock, however idle the key. Rejects with a `ConfigError` for a bad key, rule name, quota
   * or `ttl`, or a store whose `features` lack `"setLimits"` (Upstash without `quotas: upstashQuotas`), and with a `StoreError` when the store fails
   * (the failure policy does not answer for it).
   */
  setLimits(key: string, limits: Readonly<Record<string, number>> | null, options?: SetLimitsOptions): Promise<void>;
}

/**
 * Creates a rate limiter. Throws a `ConfigError` listing every problem of the options. With `tenants: tenantLimits()`
 * it is a `TenantRateLimiter`, which also has `setLimits`.
 */
export function createRateLimiter(options: RateLimiterOptions & { tenants: TenantLimits }): TenantRateLimiter;
export function createRateLimiter(options: RateLimiterOptions): RateLimiter;
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const config = validateOptions(options);
  const { store, onDecision } = options;
  const clock = options.clock ?? Date.now;
  const { rules, prefix } = config;
  // Validated: every input is a rule constructor's, with its kind (checks, policy and algorithm) attached.
  const kinds = options.rules.map((input) => input.kind);
  const evaluators = kinds.map((kind) => kind.evaluate);
  const infosOf = (rules: readonly Rule[]): RuleInfo[] =>
    rules.map((rule, i) => ({
      name: rule.name,
      algorithm: rule.algorithm,
      ...kinds[i]!.policy(rule),
      capacity: kinds[i]!.capacity(rule),
    }));
  const infos = infosOf(rules);
  const capacity = Math.min(...infos.map((info) => info.capacity));
  const stats = newCounters();
  const leases = kinds.find((kind) => kind.leases)?.leases;
  // Escaped once here, so that every (prefix, key) pair has its own name in a remote store (storage-key.ts).
  const named = storagePrefix(prefix);
  const fullKey = (key: string) => named + key;
  const { local } = store as Partial<LocalStore>;
  const probes: LayerContext["probes"] = {};
  // A remote store runs under its layers, the first outermost, and prefetching outside them; a local one under none.
  const io: Store | undefined = local
    ? undefined
    : [options.prefetch, ...(store as RemoteStore).layers].reduceRight<Store>(
        (inner, layer) =>
          layer?.wrap(inner, config, { options, clock, counters: stats, infos, infosOf, leases, probes }) ?? inner,
        store,
      );

  // With `settle: settleCosts()`, each decision of `limit` gets its `settle` there (src/settle.ts), and only there.
  const settle = options.settle?.(store, io, config, clock, fullKey);

  // With `tenants: tenantLimits()`, a call's `limits` and stored quotas are read there (src/tenants.ts), and only
  // there; its `setLimits` comes with the request builder, as a property that the limiter's methods take in.
  const request: typeof ownRequest = options.tenants?.(ownRequest, options, config, infosOf, io, fullKey) ?? ownRequest;

  function ownRequest(key: string, limitOptions: LimitOptions | undefined, consume: boolean): Asked {
    // A lone surrogate becomes U+FFFD in UTF-8, so two such keys would share one name in a remote store.
    if (typeof key !== "string" || key.length === 0 || !wellFormed(key)) {
      const got = describe(key).slice(0, 40);
      throw new ConfigError([`key must be a non-empty string of well-formed Unicode (no lone surrogates), got ${got}`]);
    }
    for (const name in limitOptions) {
      if (name !== "cost") throw new ConfigError([`options: unknown "${name}"; use cost`]);
    }
    const cost = checkCost(limitOptions?.cost);
    const fits = cost <= capacity;
    return { rules, evaluators, cost: fits ? cost : 0, now: clock(), consume: consume && fits, asked: cost };
  }

  function answer(key: string, asked: Asked, response: StoreResponse): Decision {
    // A call's own quotas come with their own infos. Leases do not depend on quotas: the limiter's rules tell them.
    const at = asked.infos ?? infos;
    // A cost above capacity was asked as cost 0; one that fits, as itself.
    if (asked.asked !== asked.cost) return tooLarge(at, response.outcomes, asked.asked, response.now);
    const decision = combine(at, response.outcomes, response.now);
    if (!leases || !decision.allowed) return decision;
    const taken = leases.taken(rules, response.outcomes, response.now);
    if (taken.length === 0) return decision;
    const leaseId = leases.encode(taken);
    return { ...decision, leaseId, release: () => release(key, leaseId) };
  }

  function finish(key: string, asked: Asked, response: StoreResponse): Decision {
    let decision = response.decision ?? answer(key, asked, response);
    if (settle) decision = settle(decision, key, asked);
    if (decision.allowed) stats.allowed++;
    else stats.denied++;
    if (onDecision) {
      try {
        onDecision({
          key,
          keyHash: fnv1a(key),
          decision,
          storeLatencyMs: response.latencyMs ?? 0,
          storeRequests: response.requests ?? 1,
        });
      } catch {
        // A failing hook must not change the decision.
      }
    }
    return decision;
  }

  // Answers in this isolate, with no I/O: a local store every request, a layer (prefetched units) those it can.
  const near = local ?? io!.near;

  // Not async: a request answered near is decided with one resolved promise, no promise chain (the hot path).
  function decide(key: string, limitOptions: LimitOptions | undefined, consume: boolean): Promise<Decision> {
    try {
      const asked = request(key, limitOptions, consume);
      if (local) stats.storeCalls++;
      const response = near?.apply(prefix, key, asked);
      return response
        ? Promise.resolve(finish(key, asked, response))
        : io!.apply({ ...asked, key: fullKey(key), signal: undefined }).then((r) => finish(key, asked, r));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async function acquire(key: string, acquireOptions: AcquireOptions = {}): Promise<Decision> {
    const waitMs = parseDuration(acquireOptions.timeout ?? 10_000);
    if (typeof waitMs === "string") throw new ConfigError([`acquire: timeout: ${waitMs}`]);
    const { signal, timeout, ...given } = acquireOptions;
    const start = clock();
    for (;;) {
      signal?.throwIfAborted();
      const decision = await decide(key, given, true);
      if (decision.allowed || decision.degraded) return decision;
      if (clock() - start + decision.retryAfterMs > waitMs) return decision;
      await sleep(decision.retryAfterMs, signal);
    }
  }

  async function reset(key: string): Promise<void> {
    // The request carries the rules and the time: the reset's scope.
    const scope = request(key, undefined, false);
    if (local) return local.reset(prefix, key);
    await io!.reset(fullKey(key), undefined, scope);
  }

  async function release(key: string, leaseId: string): Promise<void> {
    // The request's rules, evaluators, time and stored quotas (`tenants`) are the release's.
    const asked = request(key, undefined, false);
    // Not `foreignLease`: that lives with the lease codec, which a bundle without concurrency rules leaves out.
    if (!leases)
      throw new ConfigError([
        `leaseId ${describe(leaseId)}: this limiter has no concurrency rules, so it holds no leases to release`,
      ]);
    const given = leases.releasing(leaseId, asked);
    if (local) return local.release(prefix, key, given);
    await io!.release!({ ...given, key: fullKey(key), signal: undefined });
  }

  async function health(): Promise<Health> {
    const started = performance.now();
    let failed: { error: string } | undefined;
    try {
      await (io ?? store).ping(undefined);
    } catch (error) {
      failed = { error: String(error) };
    }
    return { ok: !failed, store: store.name, latencyMs: performance.now() - started, ...failed };
  }

  return Object.freeze({
    ...request,
    limit: (key: string, o?: LimitOptions) => decide(key, o, true),
    peek: (key: string, o?: LimitOptions) => decide(key, o, false),
    reset,
    release,
    acquire,
    metrics: (): Metrics => ({
      ...stats,
      circuit: probes.circuit?.() ?? "closed",
      storeLatencyMs: probes.latency?.() ?? NO_LATENCY,
    }),
    health,
    config,
  });
}

function checkCost(cost: unknown): number {
  if (cost === undefined) return 1;
  if (typeof cost !== "number" || !Number.isSafeInteger(cost) || cost < 0) {
    throw new ConfigError([`cost must be a whole number ≥ 0, got ${describe(cost)}`]);
  }
  return cost;
}

/** FNV-1a over UTF-16 code units: 8 hex digits, stable across runtimes, not for security. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, "0");
}
