import type { Context, MiddlewareHandler } from "hono";
import type { Decision } from "../src/decision.ts";
import { serve } from "../src/http/fetch-gate.ts";
import { createGate, type GateOptions } from "../src/http/gate.ts";
import { clientIp, type Platform } from "../src/http/identity.ts";
import type { Background } from "../src/http/release.ts";
import type { RateLimiter } from "../src/limiter.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The decision `rateLimiter()` made for this request (absent when it skipped a request without a key). */
    rateLimit: Decision;
  }
}

export interface HonoRateLimitOptions extends GateOptions<[c: Context], { c: Context }> {
  /**
   * The limiter, or a function of the context that builds it (on Workers, bindings live in `c.env`); the function
   * runs once per `c.env` object.
   */
  limiter: RateLimiter | ((c: Context) => RateLimiter);
  /**
   * The key of a request. Default: the client IP from the header `platform` names. Prefer an authenticated
   * principal (user id, API key) when there is one. Return `undefined` when there is none; `missingKey` decides.
   */
  key?: (c: Context) => string | undefined | Promise<string | undefined>;
  /**
   * Where the app runs, which decides the header the default `key` trusts (default `"cloudflare"`):
   * `"cloudflare"` reads `CF-Connecting-IP`, `"vercel"` reads `x-real-ip`, `"proxy"` the `X-Forwarded-For` hop
   * of your own proxy. On Node, Bun or Deno without such a proxy these headers come from the client and can be
   * forged: pass `key` instead (e.g. from Hono's `getConnInfo`).
   */
  platform?: Platform;
  /**
   * Runs after every decision (analytics, logs): through `c.executionCtx.waitUntil` on Workers, unawaited
   * elsewhere. Errors it throws are ignored.
   */
  onDecision?: (event: { c: Context; key: string; decision: Decision }) => unknown;
}

/** @deprecated Renamed `HonoRateLimitOptions` (the old name collides with the core's `RateLimiterOptions`). */
export type RateLimiterOptions = HonoRateLimitOptions;

const PLATFORMS: readonly Platform[] = ["cloudflare", "vercel", "proxy"];

/**
 * Hono middleware: limits every request it sees, puts the decision in `c.get("rateLimit")`, adds RateLimit
 * headers to every response, and answers a denied request itself with a 429 `application/problem+json` and
 * `Retry-After` (a 503 when the store failed and the limiter's policy is `"deny"`) without calling `next`.
 * Bad options throw a `ConfigError` here.
 *
 * With concurrency rules, the request's leases are given back after `await next()`: once the response body
 * has been sent to the end (or the client went away), at once for a response without a body, and when a
 * later handler throws. The release runs through `c.executionCtx.waitUntil` where there is one (Workers);
 * elsewhere (Node, Bun, Deno) it runs unawaited in the background.
 */
export function rateLimiter(options: HonoRateLimitOptions): MiddlewareHandler {
  const platform = options?.platform ?? "cloudflare";
  const gate = createGate(options, {
    where: "[hono] rateLimiter",
    limiter: options?.limiter,
    built: { argOf: (c: Context) => c, envOf: (c: Context) => c.env },
    defaultKey: (c) => clientIp(c.req.raw, { platform }),
    eventOf: (c) => ({ c }),
    problems: PLATFORMS.includes(platform) ? [] : [`platform must be "cloudflare", "vercel" or "proxy"`],
  });

  return async (c, next) => {
    const background = backgroundOf(c);
    const passage = await gate(background, c);
    if (passage.decision) c.set("rateLimit", passage.decision);
    let ran = false;
    const run = async () => {
      ran = true;
      await next();
      return c.res;
    };
    const response = await serve(passage, options.format, run, background);
    // Before `next`, Hono takes the returned response; after it, the response is set on the context.
    if (!ran) return response;
    if (response !== c.res) {
      c.res = undefined; // without this, Hono would merge the old response's headers into the new one
      c.res = response;
    }
  };
}

/** `c.executionCtx.waitUntil` on Workers; elsewhere the promise just runs (Hono throws without a context). */
function backgroundOf(c: Context): Background {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return (promise) => void promise;
  }
}
