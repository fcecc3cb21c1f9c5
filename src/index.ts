// The public core: what applications call. No store and no runtime adapter, so importing it pulls in nothing else;
// what a store author needs (the store contract, applyRules, the key encoding) is `edgelimit/store`.
export type {
  DecisionEvent,
  FallbackPolicy,
  RateLimiterConfig,
  RateLimiterOptions,
  StoreErrorPolicy,
} from "./config.ts";
export type { Decision, Reason, RuleDecision } from "./decision.ts";
export { type Duration, parseDuration } from "./duration.ts";
export { ConfigError, RateLimitError, StoreError } from "./errors.ts";
export { type HeaderFormat, rateLimitHeaders } from "./http/headers.ts";
export { type ClientIpOptions, clientIp, type HasHeaders, ipKey, type Platform } from "./http/identity.ts";
export { type DeniedBody, type DeniedResponseOptions, deniedBody, deniedResponse } from "./http/responses.ts";
export { fallbackTo } from "./layers/fallback.ts";
export type { CircuitBreakerOptions } from "./layers/layer.ts";
export { type PrefetchOptions, prefetchQuota } from "./layers/prefetch.ts";
export {
  type AcquireOptions,
  createRateLimiter,
  type Health,
  type LimitOptions,
  type RateLimiter,
} from "./limiter.ts";
export type { CircuitState, LatencySummary, Metrics } from "./metrics.ts";
export { blockFor } from "./rules/block-for.ts";
export { concurrency, fixedWindow, gcra, slidingWindow, tokenBucket } from "./rules/constructors.ts";
export type { OptionReader, Policy, RuleInput, RuleKind, RuleStore } from "./rules/input.ts";
export { shadow } from "./rules/shadow.ts";
export type { Algorithm, Rule, RuleFeature, RuleFeatures } from "./rules/types.ts";
export { type SettleCosts, settleCosts } from "./settle.ts";
export { type TenantLimits, tenantLimits } from "./tenants.ts";
