import { releaseWhenDone } from "../src/http/release.ts";
import { type RateLimitOptions, rateLimit, type VercelRequest } from "./rate-limit.ts";

/** A route handler: Next.js App Router (`export const GET = …`) or a Vercel Function's Fetch handler. */
export type RouteHandler<R extends VercelRequest, A extends unknown[]> = (
  request: R,
  ...rest: A
) => Response | Promise<Response>;

/**
 * Wraps a route handler with a rate limit: a denied request gets the 429 (or 503, 400) of `rateLimit` and
 * never reaches the handler; an allowed one gets the handler's response with RateLimit headers.
 *
 * Unlike middleware, the wrapper sees the end of the response, so concurrency rules bound what is really in
 * flight: the leases are given back once the response body has been sent to the end (or the client went
 * away), at once for a response without a body, and when the handler throws. Pass `waitUntil` (from
 * `@vercel/functions`) so that the release, which runs after the response, is not frozen with the function.
 */
export function withRateLimit<R extends VercelRequest = Request, A extends unknown[] = unknown[]>(
  handler: RouteHandler<R, A>,
  options: RateLimitOptions<R>,
): (request: R, ...rest: A) => Promise<Response> {
  if (typeof handler !== "function")
    throw new TypeError("[edgelimit] [vercel] withRateLimit: handler must be a function");
  const background = options?.waitUntil ?? ((promise: Promise<unknown>) => void promise);
  return async (request, ...rest) => {
    const result = await rateLimit(request, options);
    if (result.response) return result.response;
    let response: Response;
    try {
      response = await handler(request, ...rest);
    } catch (error) {
      background(result.release());
      throw error;
    }
    // A copy has mutable headers (a response from fetch() has not).
    const sent = new Response(response.body, response);
    for (const [name, value] of Object.entries(result.headers)) sent.headers.set(name, value);
    return result.decision?.leaseId ? releaseWhenDone(sent, result.release, background) : sent;
  };
}
