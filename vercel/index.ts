// edgelimit/vercel: Next.js middleware / proxy and Vercel Routing Middleware, with Fetch APIs only.
export { next } from "./next.ts";
export {
  type MissingKeyPolicy,
  type RateLimitOptions,
  type RateLimitResult,
  rateLimit,
  type VercelRequest,
} from "./rate-limit.ts";
export { type RouteHandler, withRateLimit } from "./with-rate-limit.ts";
