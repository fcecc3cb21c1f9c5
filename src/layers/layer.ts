import type { Decision, RuleInfo } from "../decision.ts";
import type { Duration } from "../duration.ts";
import type { StoreError } from "../errors.ts";
import type { LeaseCodec } from "../leases.ts";
import type { CircuitState, Counters, LatencySummary } from "../metrics.ts";
import type { RuleInput } from "../rules/input.ts";
import type { Rule } from "../rules/types.ts";
import type { LocalStore, Store, StoreRequest } from "../store.ts";

/**
 * A store that does I/O. `layers` are what its calls run under, outermost first: `standardLayers` from
 * `edgelimit/store` (deny cache, failure policy, circuit breaker, time budget), or a list of your own (`[]` for none).
 * The store names them, not the limiter, so that a Worker using only a local store bundles no layer.
 */
export interface RemoteStore extends Store {
  readonly layers: readonly Layer[];
}

/**
 * A store around a store: callers cannot tell it apart, and the store it wraps knows nothing of it. `createRateLimiter`
 * checks every layer's options at construction (one `ConfigError` for all problems), then wraps the store in its
 * layers, the last one innermost.
 */
export interface Layer {
  /** Checks this layer's options, pushing each problem; returns its settings, which `limiter.config` shows. */
  check?(options: LayerOptions, problems: string[]): Partial<LayerSettings>;
  /**
   * Wraps `inner`; returns `inner` itself when the settings turn this layer off. `settings.rules` are the limiter's
   * own (`limiter.config.rules`): a request with another rules array carries a call's own quotas (`limits`).
   */
  wrap(inner: Store, settings: LayerSettings & { readonly rules: readonly Rule[] }, context: LayerContext): Store;
}

/** What the limiter answers when its store fails or runs out of time. */
export type StoreErrorPolicy = "allow" | "deny" | "throw" | FallbackPolicy;

/**
 * Decide with another store (usually `memoryStore()`) while the main store fails, per isolate. Made by
 * `fallbackTo(store, { share })` from `edgelimit`, which brings the code that answers with it: a Worker that uses
 * no fallback bundles none of it.
 */
export interface FallbackPolicy {
  readonly fallback: Store;
  /**
   * The part of each rule's quota the fallback admits in one isolate, above 0 and at most 1 (default 0.1).
   * Every fallback starts empty, so N isolates admit N × share × limit during an outage. Each count option
   * (`limit`, `burst`, `capacity`, `refillRate`) is multiplied by it and rounded down, to at least 1.
   */
  readonly share: number;
  /**
   * What is wrong with the arguments given to `fallbackTo`, and with the limiter's rules for the fallback store (an
   * algorithm it does not support); `createRateLimiter` reports them with the rest. Here rather than in the limiter's
   * own checks, so that a Worker without a fallback bundles none of it.
   */
  problems(rules: readonly RuleInput[]): readonly string[];
  /** How the failure policy answers a request with the fallback store. */
  answerWith(context: LayerContext): (request: StoreRequest) => Promise<Decision>;
}

export interface CircuitBreakerOptions {
  /** Consecutive store failures (errors or timeouts) that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit answers by the failure policy without calling the store. Default `"10s"`. */
  cooldown?: Duration;
}

/** The options of `createRateLimiter` that layers read, as the caller gave them. */
export interface LayerOptions {
  readonly onStoreError?: StoreErrorPolicy | undefined;
  readonly circuitBreaker?: CircuitBreakerOptions | false | undefined;
  readonly denyCache?: { maxKeys?: number } | false | undefined;
  readonly onError?: ((error: StoreError) => void) | undefined;
  readonly prefetch?: Layer | undefined;
  readonly rules?: readonly RuleInput[] | undefined;
}

/** The layers' settings, validated; they appear in `limiter.config`. */
export interface LayerSettings {
  /** The limiter's `prefix`: a request's `key` is `storagePrefix(prefix)` and the caller's key. */
  readonly prefix: string;
  /** Budget for one store call, ms. */
  readonly timeoutMs: number;
  /** The circuit breaker's settings (stores that do I/O only). */
  readonly circuitBreaker: { readonly failureThreshold: number; readonly cooldownMs: number } | undefined;
  /** Keys the deny cache may hold; 0 when it is off (always, for stores without I/O). */
  readonly denyCacheKeys: number;
  /** The part of each rule's quota the fallback store admits per isolate (stores that do I/O, with a fallback). */
  readonly fallbackShare?: number;
  /** With `prefetch: prefetchQuota({ maxShare })`: the most one claim takes beyond its cost, as a part of the smallest quota. */
  readonly prefetchShare?: number;
}

/** What the limiter hands its store's layers. */
export interface LayerContext {
  readonly options: LayerOptions;
  readonly clock: () => number;
  /** The counters behind `limiter.metrics()`. */
  readonly counters: Counters;
  /** The limiter's rules as the failure policy reports them. */
  readonly infos: readonly RuleInfo[];
  /** The same for other rules of the same kinds, in the same order (the fallback's shares). */
  readonly infosOf: (rules: readonly Rule[]) => readonly RuleInfo[];
  /** How concurrency leases become `decision.leaseId`, when a rule takes leases. */
  readonly leases: LeaseCodec | undefined;
  /** A layer that keeps state `limiter.metrics()` reports sets its reader here. */
  readonly probes: { circuit?: () => CircuitState; latency?: () => LatencySummary };
}

/** Any store `createRateLimiter` takes: local (decides in this isolate) or remote (runs under its layers). */
export type AnyStore = LocalStore | RemoteStore;
