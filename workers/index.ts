// edgelimit/workers: rate limiting for a Worker's fetch handler.
export type { MissingKeyPolicy } from "../src/http/gate.ts";
export {
  getDecision,
  type WithRateLimitOptions,
  type WorkersRateLimitOptions,
  withRateLimit,
} from "./with-rate-limit.ts";
