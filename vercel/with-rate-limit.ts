import { ConfigError } from "../src/errors.ts";
import { serve } from "../src/http/fetch-gate.ts";
import { type VercelRateLimitOptions, type VercelRequest, vercelGate } from "./rate-limit.ts";

/** A route handler: Next.js App Router (`export const GET = …`) or a Vercel Function's Fetch handler. */
export type RouteHandler<R extends VercelRequest, A extends unknown[]> = (
  request: R,
  ...rest: A
) => Response | Promise<Response>;

/**
 * Wraps a route handler with a rate limit: a denied request gets the 429 (or 503, 400) of `rateLimit` and
 * never reaches the handler; an allowed one gets the handler's response with RateLimit headers. Bad options
 * throw a `ConfigError` here.
 *
 * Unlike middleware, the wrapper sees the end of the response, so concurrency rules bound what is really in
 * flight: the leases are given back once the response body has been sent to the end (or the client went
 * away), at once for a response without a body, and when the handler throws. Pass `waitUntil` (from
 * `@vercel/functions`) so that the release, which runs after the response, is not frozen with the function.
 */
export function withRateLimit<R extends VercelRequest = Request, A extends unknown[] = unknown[]>(
  handler: RouteHandler<R, A>,
  options: VercelRateLimitOptions<R>,
): (request: R, ...rest: A) => Promise<Response> {
  if (typeof handler !== "function") throw new ConfigError(["[vercel] withRateLimit: handler must be a function"]);
  const gate = vercelGate(options, "withRateLimit");
  const background = options.waitUntil ?? ((promise: Promise<unknown>) => void promise);
  return async (request, ...rest) => {
    const passage = await gate(options.waitUntil, request);
    return serve(passage, options.format, () => handler(request, ...rest), background);
  };
}
