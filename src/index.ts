// The public core: no store and no runtime adapter, so importing it pulls in nothing else.
export {
  type Applied,
  applyRelease,
  applyReleaseWith,
  applyRules,
  applyRulesWith,
  type Evaluator,
  evaluate,
  evaluatorsOf,
  type KeyState,
  type Lease,
  type RuleOutcome,
} from "./algorithms/apply.ts";
export type { Evaluation, RuleState } from "./algorithms/evaluation.ts";
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
export {
  type AcquireOptions,
  createRateLimiter,
  type Health,
  type LimitOptions,
  type RateLimiter,
} from "./limiter.ts";
export type { LatencySummary, Metrics } from "./metrics.ts";
export type { CircuitBreakerOptions, CircuitState } from "./resilience/circuit-breaker.ts";
export { type GuardConfig, type GuardContext, type Guarded, type GuardOptions, ioGuard } from "./resilience/guard.ts";
export {
  ALGORITHMS,
  type Algorithm,
  capacityOf,
  concurrency,
  fixedWindow,
  gcra,
  kindOf,
  type OptionReader,
  type Policy,
  policyOf,
  type Rule,
  type RuleInput,
  type RuleKind,
  slidingWindow,
  tokenBucket,
} from "./rules.ts";
export type { LocalStore, ReleaseRequest, Store, StoreRequest, StoreResponse } from "./store.ts";
