import type { Decision } from "../src/decision.ts";
import { type HeaderFormat, rateLimitHeaders } from "../src/http/headers.ts";
import { clientIp } from "../src/http/identity.ts";
import { releaseWhenDone } from "../src/http/release.ts";
import { deniedResponse, missingKeyResponse } from "../src/http/responses.ts";
import type { RateLimiter } from "../src/limiter.ts";
import { oncePerEnv } from "../src/once-per-env.ts";

/** What `withRateLimit` does with a request whose key cannot be found (no `CF-Connecting-IP`). */
export type MissingKeyPolicy = "shared" | "deny" | "skip";

export interface WithRateLimitOptions<Env> {
  /** The limiter, or a function of `env` that builds it (bindings exist per request); built once per env object. */
  limiter: RateLimiter | ((env: Env) => RateLimiter);
  /**
   * The key of a request. Default: the client IP from `CF-Connecting-IP` (IPv6 by /56 prefix).
   * Return `undefined` when there is none; `missingKey` then decides.
   */
  key?: (request: Request, env: Env) => string | undefined | Promise<string | undefined>;
  /** Units a request uses (default 1). */
  cost?: (request: Request, env: Env) => number;
  /**
   * Without a key (default `"shared"`):
   * - `"shared"`: all such requests share one bucket, `"unknown"`. Cloudflare always sets `CF-Connecting-IP`
   *   on requests from the Internet, so these are local or Worker-to-Worker requests.
   * - `"deny"`: answer 400 without calling the handler.
   * - `"skip"`: call the handler without limiting.
   */
  missingKey?: MissingKeyPolicy;
  /** RateLimit header syntax (default `"draft-8"`). */
  format?: HeaderFormat;
  /** Runs after every decision through `ctx.waitUntil`, off the response path (analytics, logs). Errors are ignored. */
  onDecision?: (event: { request: Request; env: Env; key: string; decision: Decision }) => void | Promise<void>;
}

const decisions = new WeakMap<Request, Decision>();

/** The decision `withRateLimit` made for this request, for the wrapped handler to show or use. */
export function getDecision(request: Request): Decision | undefined {
  return decisions.get(request);
}

/**
 * Wraps an `ExportedHandler`'s `fetch` with a rate limit. Every response carries RateLimit headers; a denied
 * request gets a 429 `application/problem+json` with `Retry-After` (a 503 when the store failed and the
 * limiter's policy is `"deny"`) and never reaches the handler. Other handlers (`scheduled`, `queue`, …)
 * pass through unchanged.
 *
 * With concurrency rules, the request's leases are given back through `ctx.waitUntil` when the response is
 * done: once its body has been streamed to the end (or the client went away), at once for a response
 * without a body or a WebSocket upgrade, and when the handler throws.
 */
export function withRateLimit<Env = unknown, QueueMessage = unknown, CfHostMetadata = unknown>(
  handler: ExportedHandler<Env, QueueMessage, CfHostMetadata>,
  options: WithRateLimitOptions<Env>,
): ExportedHandler<Env, QueueMessage, CfHostMetadata> {
  const inner = handler.fetch;
  if (typeof inner !== "function") throw new TypeError("[edgelimit] [workers] withRateLimit: the handler has no fetch");
  const { format = "draft-8", missingKey = "shared" } = options;
  if (!["shared", "deny", "skip"].includes(missingKey)) {
    throw new TypeError(
      `[edgelimit] [workers] missingKey must be "shared", "deny" or "skip", got ${String(missingKey)}`,
    );
  }
  rateLimitHeaders(sampleDecision, format); // throws now for an unknown format, not on the first request
  const limiterFor = perEnv(options.limiter);
  const keyOf = options.key ?? ((request: Request) => clientIp(request, { platform: "cloudflare" }));

  const fetch: ExportedHandlerFetchHandler<Env, CfHostMetadata> = async (request, env, ctx) => {
    let key = await keyOf(request, env);
    if (key === undefined || key === "") {
      if (missingKey === "skip") return inner.call(handler, request, env, ctx);
      if (missingKey === "deny") return missingKeyResponse();
      key = "unknown";
    }
    const decision = await limiterFor(env).limit(key, { cost: options.cost?.(request, env) ?? 1 });
    const { onDecision } = options;
    if (onDecision) {
      const event = { request, env, key, decision };
      ctx.waitUntil(
        Promise.resolve()
          .then(() => onDecision(event))
          .catch(() => {}),
      );
    }
    if (!decision.allowed) return deniedResponse(decision, { format });
    decisions.set(request, decision);
    const { release } = decision;
    let response: Response;
    try {
      response = await inner.call(handler, request, env, ctx);
    } catch (error) {
      if (release) ctx.waitUntil(release().catch(() => {}));
      throw error;
    }
    const sent = withHeaders(response, rateLimitHeaders(decision, format));
    return release ? releaseWhenDone(sent, release, (p) => ctx.waitUntil(p)) : sent;
  };
  return { ...handler, fetch };
}

/** Builds the limiter once per env object (workerd passes the same env to every request of an isolate). */
function perEnv<Env>(limiter: RateLimiter | ((env: Env) => RateLimiter)): (env: Env) => RateLimiter {
  return typeof limiter === "function" ? oncePerEnv(limiter, (env) => env) : () => limiter;
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  // A copy has mutable headers (a response from fetch() has not); a 101 keeps its WebSocket only as itself.
  const target = response.status === 101 ? response : new Response(response.body, response);
  try {
    for (const [name, value] of Object.entries(headers)) target.headers.set(name, value);
  } catch {
    // An immutable 101: it goes out without RateLimit headers rather than failing the upgrade.
  }
  return target;
}

const sampleDecision: Decision = {
  allowed: true,
  limit: 1,
  remaining: 1,
  resetAt: 0,
  retryAfterMs: 0,
  reason: "allowed",
  degraded: false,
  now: 0,
  rules: [],
};
