// Next.js `middleware.ts`, on the edge runtime, rate limiting /api with the Upstash Redis REST store: 100 requests a
// minute per client IP, with bursts of up to 20. (Next 16's `proxy.ts` takes the same code but runs on Node.js only.)
import { createRateLimiter, gcra } from "edgelimit";
import { upstashStore } from "edgelimit/upstash";
import { rateLimit } from "edgelimit/vercel";
import { type NextFetchEvent, type NextRequest, NextResponse } from "next/server";

// Created once per isolate, outside the handler, so every request of the isolate shares it.
const limiter = createRateLimiter({
  store: upstashStore({
    url: process.env.UPSTASH_REDIS_REST_URL ?? "",
    token: process.env.UPSTASH_REDIS_REST_TOKEN ?? "",
  }),
  rules: [gcra({ limit: 100, period: "1m", burst: 20 })],
  prefix: "api",
  timeout: 500, // ms; past it the request goes through (onStoreError: "allow", the default)
});

export const config = { matcher: ["/api/:path*"] };

export async function middleware(request: NextRequest, event: NextFetchEvent): Promise<Response> {
  const { response, headers } = await rateLimit(request, {
    limiter,
    // Key by the signed-in user when there is one, else by the client IP Vercel sets (x-real-ip).
    key: (r) => r.headers.get("x-user-id") ?? undefined,
    missingKey: "shared",
    waitUntil: (promise) => event.waitUntil(promise),
  });
  // Denied: the 429 with Retry-After and RateLimit headers. Allowed: continue, with the RateLimit headers on the
  // response (in NextResponse.next, `headers` are response headers; request headers go in `request.headers`).
  return response ?? NextResponse.next({ headers });
}
