import type { Decision } from "./decision.ts";
import { describe } from "./describe.ts";
import { type Duration, parseDuration } from "./duration.ts";
import { ConfigError, type StoreError } from "./errors.ts";
import type {
  AnyStore,
  CircuitBreakerOptions,
  LayerOptions,
  LayerSettings,
  RemoteStore,
  StoreErrorPolicy,
} from "./layers/layer.ts";
import type { RuleInput } from "./rules/input.ts";
import type { Rule } from "./rules/types.ts";
import { normalizeRule } from "./rules/validation.ts";
import type { SettleCosts } from "./settle.ts";
import { wellFormed } from "./storage-key.ts";
import type { TenantLimits } from "./tenants.ts";

export type { FallbackPolicy, StoreErrorPolicy } from "./layers/layer.ts";

export interface RateLimiterOptions extends LayerOptions {
  /** Where the counts live: a local store (`memoryStore()`) or a remote one, which runs under its layers. */
  store: AnyStore;
  /** One or more rules (`fixedWindow`, `slidingWindow`, `tokenBucket`, `gcra`, `concurrency`); all apply to every key. */
  rules: readonly RuleInput[];
  /**
   * Namespaces keys in the store. Default `"edgelimit"`; `""` for none. Remote stores write `prefix:key` with
   * `\` and `:` in the prefix escaped by a `\`, so no two (prefix, key) pairs share state (README, "Keys in the store").
   */
  prefix?: string;
  /**
   * When the store fails or times out: `"allow"` (default: an outage of the store does not take your
   * API down), `"deny"` (for endpoints where abuse costs more than an outage, such as login or OTP),
   * `"throw"` a `StoreError`, or `fallbackTo(memoryStore(), { share: 0.1 })` to decide with another store
   * meanwhile, admitting `share` of each rule's quota per isolate. Either way the decision says `degraded: true`.
   */
  onStoreError?: StoreErrorPolicy;
  /** Stops calling a failing store for a while (default `{ failureThreshold: 5, cooldown: "10s" }`); `false` turns it off. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /**
   * Remembers denied keys in this isolate until the store could allow them, answering repeats with no round
   * trip (`reason: "cached"`). Default `{ maxKeys: 10_000 }`; `false` turns it off. Stores without I/O ignore it,
   * as they do `timeout`, `circuitBreaker` and `onStoreError` (they cannot fail).
   */
  denyCache?: { maxKeys?: number } | false;
  /** Budget for one store call (default 1000 ms); past it the call is aborted and the failure policy answers. */
  timeout?: Duration;
  /** Epoch milliseconds now. Default `Date.now`. */
  clock?: () => number;
  /** Called after every decision, synchronously; keep it cheap. Errors it throws are ignored. */
  onDecision?: (event: DecisionEvent) => void;
  /** Called with every store failure before the failure policy applies. Errors it throws are ignored. */
  onError?: (error: StoreError) => void;
  /**
   * `tenantLimits()` from `edgelimit`: lets `limit`, `peek` and `acquire` take `limits`, a call's own quotas for
   * named rules (docs/tenants.md). Without it, `limits` is rejected like any unknown option.
   */
  tenants?: TenantLimits;
  /**
   * `settleCosts()` from `edgelimit`: gives each decision of `limit` and `acquire` a `settle(actualCost)`, which gives
   * back or charges the difference to the actual cost (docs/settle.md). The store must support it (`adjust`).
   */
  settle?: SettleCosts;
}

export interface DecisionEvent {
  readonly key: string;
  /** A short, stable hash of the key (FNV-1a, 8 hex digits), to correlate logs without writing the key. */
  readonly keyHash: string;
  readonly decision: Decision;
  /** Time spent in the store call, ms; 0 when no store call was made. */
  readonly storeLatencyMs: number;
  /** Store calls made for this decision: 0 when the deny cache or an open circuit answered. */
  readonly storeRequests: number;
}

/** The validated, frozen configuration, as `limiter.config` shows it. */
export interface RateLimiterConfig extends LayerSettings {
  readonly store: string;
  readonly rules: readonly Rule[];
  readonly prefix: string;
  readonly onStoreError: "allow" | "deny" | "throw" | "fallback";
  /** The fallback store's name, when `onStoreError` is `"fallback"`. */
  readonly fallbackStore: string | undefined;
}

/** Checks every option and throws one `ConfigError` that lists every problem. */
export function validateOptions(options: RateLimiterOptions): RateLimiterConfig {
  const problems: string[] = [];
  const { store } = options ?? ({} as RateLimiterOptions);
  if (typeof store?.apply !== "function") problems.push("store: expected a store such as memoryStore()");
  const rules: Rule[] = [];
  if (!Array.isArray(options?.rules) || options.rules.length === 0) {
    problems.push('rules: expected at least one rule, e.g. [gcra({ limit: 100, period: "1m" })]');
  } else {
    options.rules.forEach((raw, i) => {
      const rule = normalizeRule(raw, `rules[${i}]`, problems, store);
      if (!rule) return;
      if (rules.some((other) => other.name === rule.name)) {
        problems.push(`rules[${i}]: the name "${rule.name}" is used twice; give each rule its own name`);
      }
      if (store?.algorithms && !store.algorithms.includes(rule.algorithm)) {
        problems.push(`rules[${i}]: the ${store.name} store does not support ${rule.algorithm} yet`);
      } else if (rule.algorithm === "concurrency" && typeof store?.release !== "function") {
        problems.push(
          `rules[${i}]: the ${store.name} store lists concurrency but cannot release leases (no release())`,
        );
      }
      rules.push(rule);
    });
  }
  const prefix = options?.prefix ?? "edgelimit";
  if (typeof prefix !== "string" || !wellFormed(prefix)) {
    problems.push(`prefix: expected a string of well-formed Unicode (no lone surrogates), got ${describe(prefix)}`);
  }
  const policy = options?.onStoreError ?? "allow";
  const fallback = typeof policy === "object" && typeof policy?.answerWith === "function" ? policy : undefined;
  if (!fallback && !["allow", "deny", "throw"].includes(policy as string)) {
    problems.push(`onStoreError: expected "allow", "deny", "throw" or fallbackTo(store), got ${describe(policy)}`);
  }
  const timeoutMs = parseDuration(options?.timeout ?? 1000);
  if (typeof timeoutMs === "string") problems.push(`timeout: ${timeoutMs}`);
  else if (timeoutMs < 1) problems.push("timeout: must be at least 1ms");
  for (const hook of ["clock", "onDecision", "onError", "tenants", "settle"] as const) {
    if (options?.[hook] !== undefined && typeof options[hook] !== "function") {
      problems.push(`${hook}: expected a function, got ${describe(options[hook])}`);
    }
  }
  // Only a remote store names layers, so a Worker with a local store bundles none of their checks.
  const layered = (store as Partial<RemoteStore>)?.layers?.map((layer) => layer.check?.(options, problems));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    store: store.name,
    rules: Object.freeze(rules),
    prefix,
    onStoreError: fallback ? "fallback" : (policy as "allow" | "deny" | "throw"),
    fallbackStore: fallback?.fallback?.name,
    timeoutMs: timeoutMs as number,
    circuitBreaker: undefined,
    denyCacheKeys: 0,
    ...Object.assign({}, ...(layered ?? [])),
  });
}
