// edgelimit/workers: rate limiting for a Worker's fetch handler.
export { getDecision, type MissingKeyPolicy, type WithRateLimitOptions, withRateLimit } from "./with-rate-limit.ts";
