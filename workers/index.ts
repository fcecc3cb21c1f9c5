/// <reference types="@cloudflare/workers-types" preserve="true" />
// edgelimit/workers: rate limiting for a Worker's fetch handler.
// The declarations use the Workers runtime types (`cloudflare:workers`, DurableObjectState, ExportedHandler…): the
// reference above puts them in a consumer's program, or fails with TS2688 naming the package to install.
export type { MissingKeyPolicy } from "../src/http/gate.ts";
export {
  getDecision,
  type WithRateLimitOptions,
  type WorkersRateLimitOptions,
  withRateLimit,
} from "./with-rate-limit.ts";
