import type { Decision } from "../src/decision.ts";
import { createGate, type Gate, type GateOptions } from "../src/http/gate.ts";
import { clientIp } from "../src/http/identity.ts";
import { deniedResponse, missingKeyResponse } from "../src/http/responses.ts";
import type { RateLimiter } from "../src/limiter.ts";

/** The part of a Fetch `Request` the helper reads; a Next.js `NextRequest` fits too. */
export interface VercelRequest {
  readonly headers: { get(name: string): string | null };
}

export interface VercelRateLimitOptions<R extends VercelRequest = Request>
  extends GateOptions<[request: R], { request: R }> {
  /** The limiter. Create it once, outside the middleware function, so its connections and caches are reused. */
  limiter: RateLimiter;
  /**
   * The key of a request. Default: the client IP from Vercel's `x-real-ip` (then the first hop of
   * `x-vercel-forwarded-for` / `x-forwarded-for`, which Vercel overwrites), IPv6 by /56 prefix.
   * Prefer an authenticated principal (user id, API key) when there is one. Return `undefined` when there is
   * none; `missingKey` then decides. Vercel sets `x-real-ip` on every request from the Internet, so only local
   * (`next dev`) or internal requests lack it.
   */
  key?: (request: R) => string | undefined | Promise<string | undefined>;
  /**
   * The platform's `waitUntil`: `event.waitUntil.bind(event)` in Next.js middleware, or `waitUntil` from
   * `@vercel/functions` in Routing Middleware. `onDecision` then runs off the response path.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
  /**
   * Background work after every decision (analytics, logs). With `waitUntil` it runs after the response is on
   * its way; without it, `rateLimit` awaits it. Errors it throws are ignored.
   */
  onDecision?: (event: { request: R; key: string; decision: Decision }) => unknown;
}

/** @deprecated Renamed `VercelRateLimitOptions`. */
export type RateLimitOptions<R extends VercelRequest = Request> = VercelRateLimitOptions<R>;

/** What `rateLimit` answers. */
export interface RateLimitResult {
  /** The limiter's decision; `undefined` when no key was found and `missingKey` is `"deny"` or `"skip"`. */
  readonly decision: Decision | undefined;
  /** The key the request was counted under (`"unknown"` for the shared bucket). */
  readonly key: string | undefined;
  /**
   * RateLimit headers for the response that continues (`RateLimit`, `RateLimit-Policy` by default); empty when
   * the decision is degraded or there was none. Put them on the response: `NextResponse.next({ headers })`.
   */
  readonly headers: Record<string, string>;
  /** The response to return instead of continuing: a 429 (or 503, 400); `undefined` when the request may go on. */
  readonly response: Response | undefined;
  /**
   * Gives back the concurrency leases the decision took (a no-op without them) and, given the `response` and the
   * `settle` option, settles the decision to the cost `settle` reads from it; never rejects, a lease that
   * could not be given back expires by itself. Middleware cannot see the end of the response it lets through:
   * call this when the work you bound is done, or use `withRateLimit` on the route handler instead.
   */
  readonly release: (response?: Response) => Promise<void>;
}

const nothing = () => Promise.resolve();

/** The gate for Vercel's options; throws a `ConfigError` for bad ones. */
export function vercelGate<R extends VercelRequest>(options: VercelRateLimitOptions<R>, where: string): Gate<[R]> {
  return createGate(options, {
    where: `[vercel] ${where}`,
    limiter: options?.limiter,
    defaultKey: (request) => clientIp(request, { platform: "vercel" }),
    eventOf: (request) => ({ request }),
  });
}

/**
 * Rate-limits one request in Next.js `middleware.ts` / `proxy.ts` or Vercel Routing Middleware, with Fetch
 * APIs only. Returns the denial `Response` when the request must stop (429 `application/problem+json` with
 * `Retry-After` and RateLimit headers; 503 when the store failed and the limiter's policy is `"deny"`; 400 for
 * a request without a key under `missingKey: "deny"`), and otherwise the headers to add to the response that
 * continues. Bad options reject with a `ConfigError`.
 */
export async function rateLimit<R extends VercelRequest = Request>(
  request: R,
  options: VercelRateLimitOptions<R>,
): Promise<RateLimitResult> {
  const passage = await vercelGate(options, "rateLimit")(options.waitUntil, request);
  const { decision } = passage;
  if (!decision) {
    const response = passage.refused ? missingKeyResponse() : undefined;
    return { decision, key: undefined, headers: {}, response, release: nothing };
  }
  const { key, headers } = passage;
  if (!decision.allowed) {
    const response = deniedResponse(decision, options.format ? { format: options.format } : {});
    return { decision, key, headers, response, release: nothing };
  }
  return { decision, key, headers, response: undefined, release: passage.release ?? nothing };
}
