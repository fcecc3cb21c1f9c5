import type { Decision } from "./decision.ts";
import { type Duration, describe, parseDuration } from "./duration.ts";
import { ConfigError, type StoreError } from "./errors.ts";
import { normalizeRule, type Rule, type RuleInput } from "./rules.ts";
import type { Store } from "./store.ts";

/** What the limiter answers when its store fails or runs out of time. */
export type StoreErrorPolicy = "allow" | "deny" | "throw";

export interface RateLimiterOptions {
  /** Where the counts live. */
  store: Store;
  /** One or more rules from `fixedWindow`, `slidingWindow`, `tokenBucket`, `gcra`; all apply to every key. */
  rules: readonly RuleInput[];
  /** Namespaces keys in the store as `prefix:key`. Default `"edgelimit"`; `""` for none. */
  prefix?: string;
  /**
   * When the store fails or times out: `"allow"` (default: an outage of the store does not take your
   * API down), `"deny"` (for endpoints where abuse costs more than an outage, such as login or OTP),
   * or `"throw"` a `StoreError`. Either way the decision says `degraded: true`.
   */
  onStoreError?: StoreErrorPolicy;
  /** Budget for one store call (default 1000 ms); past it the call is aborted and the failure policy answers. */
  timeout?: Duration;
  /** Epoch milliseconds now. Default `Date.now`. */
  clock?: () => number;
  /** Called after every decision, synchronously; keep it cheap. Errors it throws are ignored. */
  onDecision?: (event: DecisionEvent) => void;
  /** Called with every store failure before the failure policy applies. Errors it throws are ignored. */
  onError?: (error: StoreError) => void;
}

export interface DecisionEvent {
  readonly key: string;
  readonly decision: Decision;
  /** Time spent in the store call, ms; 0 when no store call was made. */
  readonly storeLatencyMs: number;
}

/** The validated, frozen configuration, as `limiter.config` shows it. */
export interface RateLimiterConfig {
  readonly store: string;
  readonly rules: readonly Rule[];
  readonly prefix: string;
  readonly onStoreError: StoreErrorPolicy;
  readonly timeoutMs: number;
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
      const rule = normalizeRule(raw, `rules[${i}]`, problems);
      if (!rule) return;
      if (rules.some((other) => other.name === rule.name)) {
        problems.push(`rules[${i}]: the name "${rule.name}" is used twice; give each rule its own name`);
      }
      if (store?.algorithms && !store.algorithms.includes(rule.algorithm)) {
        problems.push(`rules[${i}]: the ${store.name} store does not support ${rule.algorithm} yet`);
      }
      rules.push(rule);
    });
  }
  const prefix = options?.prefix ?? "edgelimit";
  if (typeof prefix !== "string") problems.push(`prefix: expected a string, got ${describe(prefix)}`);
  const onStoreError = options?.onStoreError ?? "allow";
  if (!["allow", "deny", "throw"].includes(onStoreError)) {
    problems.push(`onStoreError: expected "allow", "deny" or "throw", got ${describe(onStoreError)}`);
  }
  const timeoutMs = parseDuration(options?.timeout ?? 1000);
  if (typeof timeoutMs === "string") problems.push(`timeout: ${timeoutMs}`);
  else if (timeoutMs < 1) problems.push("timeout: must be at least 1ms");
  for (const hook of ["clock", "onDecision", "onError"] as const) {
    if (options?.[hook] !== undefined && typeof options[hook] !== "function") {
      problems.push(`${hook}: expected a function, got ${describe(options[hook])}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    store: store.name,
    rules: Object.freeze(rules),
    prefix,
    onStoreError,
    timeoutMs: timeoutMs as number,
  });
}
