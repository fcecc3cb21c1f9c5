// Vercel Routing Middleware (a root `middleware.ts` for any framework, edge runtime by default): rate limits
// /api per client IP with the Upstash Redis REST store. No dependency on `next` or `@vercel/functions`.
import { createRateLimiter, slidingWindow } from "edgelimit";
import { upstashStore } from "edgelimit/upstash";
import { next, rateLimit } from "edgelimit/vercel";

const limiter = createRateLimiter({
  store: upstashStore({
    url: process.env.UPSTASH_REDIS_REST_URL ?? "",
    token: process.env.UPSTASH_REDIS_REST_TOKEN ?? "",
  }),
  rules: [slidingWindow({ limit: 60, window: "1m", name: "per-minute" })],
});

export const config = { matcher: ["/api/:path*"] };

export default async function middleware(request: Request): Promise<Response> {
  // The key defaults to the client IP from Vercel's x-real-ip; IPv6 addresses count per /56.
  const { response, headers } = await rateLimit(request, { limiter, format: "draft-8" });
  // `next({ headers })` continues to the route with the RateLimit headers on its response; it is the same as
  // `next` from `@vercel/functions`, which you may use instead.
  return response ?? next({ headers });
}
