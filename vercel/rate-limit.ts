import type { Decision } from "../src/decision.ts";
import { type HeaderFormat, rateLimitHeaders } from "../src/http/headers.ts";
import { clientIp } from "../src/http/identity.ts";
import { deniedResponse, missingKeyResponse } from "../src/http/responses.ts";
import type { RateLimiter } from "../src/limiter.ts";

/** What `rateLimit` does with a request whose key cannot be found (no `x-real-ip`, or `key` returned nothing). */
export type MissingKeyPolicy = "shared" | "deny" | "skip";

/** The part of a Fetch `Request` the helper reads; a Next.js `NextRequest` fits too. */
export interface VercelRequest {
  readonly headers: { get(name: string): string | null };
}

export interface RateLimitOptions<R extends VercelRequest = Request> {
  /** The limiter. Create it once, outside the middleware function, so its connections and caches are reused. */
  limiter: RateLimiter;
  /**
   * The key of a request. Default: the client IP from Vercel's `x-real-ip` (then the first hop of
   * `x-vercel-forwarded-for` / `x-forwarded-for`, which Vercel overwrites), IPv6 by /56 prefix.
   * Prefer an authenticated principal (user id, API key) when there is one. Return `undefined` when there is
   * none; `missingKey` then decides.
   */
  key?: (request: R) => string | undefined | Promise<string | undefined>;
  /** Units this request uses, a whole number ≥ 0 (default 1). */
  cost?: number | ((request: R) => number);
  /**
   * Without a key (default `"shared"`):
   * - `"shared"`: all such requests share one bucket, `"unknown"`. Vercel sets `x-real-ip` on every request
   *   from the Internet, so these are local (`next dev`) or internal requests.
   * - `"deny"`: answer 400 (fail closed).
   * - `"skip"`: let the request through unlimited, with no headers.
   */
  missingKey?: MissingKeyPolicy;
  /** RateLimit header syntax (default `"draft-8"`). */
  format?: HeaderFormat;
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
   * Gives back the concurrency leases the decision took (a no-op without them); never rejects, a lease that
   * could not be given back expires by itself. Middleware cannot see the end of the response it lets through:
   * call this when the work you bound is done, or use `withRateLimit` on the route handler instead.
   */
  readonly release: () => Promise<void>;
}

const nothing = () => Promise.resolve();

const FORMATS: readonly HeaderFormat[] = ["draft-8", "draft-7", "draft-6", "legacy"];

/**
 * Rate-limits one request in Next.js `middleware.ts` / `proxy.ts` or Vercel Routing Middleware, with Fetch
 * APIs only. Returns the denial `Response` when the request must stop (429 `application/problem+json` with
 * `Retry-After` and RateLimit headers; 503 when the store failed and the limiter's policy is `"deny"`), and
 * otherwise the headers to add to the response that continues.
 */
export async function rateLimit<R extends VercelRequest = Request>(
  request: R,
  options: RateLimitOptions<R>,
): Promise<RateLimitResult> {
  const { limiter, format = "draft-8", missingKey = "shared" } = options ?? ({} as RateLimitOptions<R>);
  if (typeof limiter?.limit !== "function") {
    throw new TypeError("[edgelimit] [vercel] rateLimit: options.limiter must be a limiter from createRateLimiter()");
  }
  if (!["shared", "deny", "skip"].includes(missingKey)) {
    throw new TypeError(
      `[edgelimit] [vercel] missingKey must be "shared", "deny" or "skip", got ${String(missingKey)}`,
    );
  }
  if (!FORMATS.includes(format)) {
    throw new TypeError(`[edgelimit] [vercel] format must be one of ${FORMATS.join(", ")}, got ${String(format)}`);
  }
  let key = await (options.key ? options.key(request) : clientIp(request, { platform: "vercel" }));
  if (key === undefined || key === "") {
    if (missingKey === "skip") {
      return { decision: undefined, key: undefined, headers: {}, response: undefined, release: nothing };
    }
    if (missingKey === "deny") {
      return { decision: undefined, key: undefined, headers: {}, response: missingKeyResponse(), release: nothing };
    }
    key = "unknown";
  }
  const cost = typeof options.cost === "function" ? options.cost(request) : (options.cost ?? 1);
  const decision = await limiter.limit(key, { cost });
  const { onDecision, waitUntil } = options;
  if (onDecision) {
    const event = { request, key, decision };
    const work = Promise.resolve()
      .then(() => onDecision(event))
      .catch(() => {});
    if (waitUntil) waitUntil(work);
    else await work;
  }
  const headers = rateLimitHeaders(decision, format);
  if (!decision.allowed) {
    return { decision, key, headers, response: deniedResponse(decision, { format }), release: nothing };
  }
  const { release } = decision;
  return { decision, key, headers, response: undefined, release: release ? () => release().catch(() => {}) : nothing };
}
