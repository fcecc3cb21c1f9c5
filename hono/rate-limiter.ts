import type { Context, MiddlewareHandler } from "hono";
import type { Decision } from "../src/decision.ts";
import { type HeaderFormat, rateLimitHeaders } from "../src/http/headers.ts";
import { clientIp, type Platform } from "../src/http/identity.ts";
import { type Background, releaseWhenDone } from "../src/http/release.ts";
import { deniedResponse, missingKeyResponse } from "../src/http/responses.ts";
import type { RateLimiter } from "../src/limiter.ts";
import { oncePerEnv } from "../src/once-per-env.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The decision `rateLimiter()` made for this request (absent when it skipped a request without a key). */
    rateLimit: Decision;
  }
}

/** What the middleware does with a request whose key cannot be found. */
export type MissingKeyPolicy = "shared" | "deny" | "skip";

export interface RateLimiterOptions {
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
  /** Units a request uses, a whole number ≥ 0 (default 1). */
  cost?: number | ((c: Context) => number);
  /**
   * Without a key (default `"shared"`): `"shared"` counts all such requests in one bucket, `"unknown"`;
   * `"deny"` answers 400; `"skip"` calls the next handler unlimited.
   */
  missingKey?: MissingKeyPolicy;
  /** RateLimit header syntax (default `"draft-8"`). */
  format?: HeaderFormat;
}

const FORMATS: readonly HeaderFormat[] = ["draft-8", "draft-7", "draft-6", "legacy"];

/**
 * Hono middleware: limits every request it sees, puts the decision in `c.get("rateLimit")`, adds RateLimit
 * headers to every response, and answers a denied request itself with a 429 `application/problem+json` and
 * `Retry-After` (a 503 when the store failed and the limiter's policy is `"deny"`) without calling `next`.
 *
 * With concurrency rules, the request's leases are given back after `await next()`: once the response body
 * has been sent to the end (or the client went away), at once for a response without a body, and when a
 * later handler throws. The release runs through `c.executionCtx.waitUntil` where there is one (Workers);
 * elsewhere (Node, Bun, Deno) it runs unawaited in the background.
 */
export function rateLimiter(options: RateLimiterOptions): MiddlewareHandler {
  const { format = "draft-8", missingKey = "shared", platform = "cloudflare" } = options ?? ({} as RateLimiterOptions);
  const problems: string[] = [];
  if (typeof options?.limiter !== "function" && typeof options?.limiter?.limit !== "function") {
    problems.push("limiter must be a limiter from createRateLimiter() or a function of the context that returns one");
  }
  if (!["shared", "deny", "skip"].includes(missingKey)) problems.push(`missingKey must be "shared", "deny" or "skip"`);
  if (!FORMATS.includes(format)) problems.push(`format must be one of ${FORMATS.join(", ")}`);
  if (!["cloudflare", "vercel", "proxy"].includes(platform))
    problems.push(`platform must be "cloudflare", "vercel" or "proxy"`);
  if (problems.length > 0) throw new TypeError(`[edgelimit] [hono] rateLimiter: ${problems.join("; ")}`);
  const limiterOf = perEnv(options.limiter);
  const keyOf = options.key ?? ((c: Context) => clientIp(c.req.raw, { platform }));

  return async (c, next) => {
    let key = await keyOf(c);
    if (key === undefined || key === "") {
      if (missingKey === "skip") return next();
      if (missingKey === "deny") return missingKeyResponse();
      key = "unknown";
    }
    const cost = typeof options.cost === "function" ? options.cost(c) : (options.cost ?? 1);
    const decision = await limiterOf(c).limit(key, { cost });
    c.set("rateLimit", decision);
    if (!decision.allowed) return deniedResponse(decision, { format });
    const { release } = decision;
    if (!release) {
      await next();
      setHeaders(c, rateLimitHeaders(decision, format));
      return;
    }
    const background = backgroundOf(c);
    try {
      await next();
    } catch (error) {
      background(release().catch(() => {}));
      throw error;
    }
    setHeaders(c, rateLimitHeaders(decision, format));
    const sent = releaseWhenDone(c.res, release, background);
    if (sent !== c.res) {
      c.res = undefined;
      c.res = sent;
    }
  };
}

function setHeaders(c: Context, headers: Record<string, string>): void {
  try {
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  } catch {
    // The handler returned a response with immutable headers (one from fetch()): send a mutable copy.
    if (c.res.status === 101) return; // a WebSocket upgrade lives only in the original response
    const copy = new Response(c.res.body, c.res);
    for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
    c.res = undefined;
    c.res = copy;
  }
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

function perEnv(limiter: RateLimiterOptions["limiter"]): (c: Context) => RateLimiter {
  return typeof limiter === "function" ? oncePerEnv(limiter, (c) => c.env) : () => limiter;
}
