// edgelimit/vercel: Next.js middleware / proxy and Vercel Routing Middleware, with Fetch APIs only.

export type { MissingKeyPolicy } from "../src/http/gate.ts";
export { next } from "./next.ts";
export {
  type RateLimitOptions,
  type RateLimitResult,
  rateLimit,
  type VercelRateLimitOptions,
  type VercelRequest,
} from "./rate-limit.ts";
export { type RouteHandler, withRateLimit } from "./with-rate-limit.ts";
