import type { Decision } from "../src/decision.ts";
import { ConfigError } from "../src/errors.ts";
import { serve } from "../src/http/fetch-gate.ts";
import { createGate, type GateOptions } from "../src/http/gate.ts";
import { clientIp } from "../src/http/identity.ts";
import type { RateLimiter } from "../src/limiter.ts";

export interface WorkersRateLimitOptions<Env>
  extends GateOptions<[request: Request, env: Env], { request: Request; env: Env }> {
  /** The limiter, or a function of `env` that builds it (bindings exist per request); built once per env object. */
  limiter: RateLimiter | ((env: Env) => RateLimiter);
  /**
   * The key of a request. Default: the client IP from `CF-Connecting-IP` (IPv6 by /56 prefix). Prefer an
   * authenticated principal (user id, API key) when there is one. Return `undefined` when there is none;
   * `missingKey` then decides. Cloudflare always sets `CF-Connecting-IP` on requests from the Internet, so only
   * local or Worker-to-Worker requests lack it.
   */
  key?: (request: Request, env: Env) => string | undefined | Promise<string | undefined>;
  /** Runs after every decision through `ctx.waitUntil`, off the response path (analytics, logs). Errors are ignored. */
  onDecision?: (event: { request: Request; env: Env; key: string; decision: Decision }) => unknown;
}

/** @deprecated Renamed `WorkersRateLimitOptions`. */
export type WithRateLimitOptions<Env> = WorkersRateLimitOptions<Env>;

const decisions = new WeakMap<Request, Decision>();

/** The decision `withRateLimit` made for this request, for the wrapped handler to show or use. */
export function getDecision(request: Request): Decision | undefined {
  return decisions.get(request);
}

/**
 * Wraps an `ExportedHandler`'s `fetch` with a rate limit. Every response carries RateLimit headers; a denied
 * request gets a 429 `application/problem+json` with `Retry-After` (a 503 when the store failed and the
 * limiter's policy is `"deny"`) and never reaches the handler. Other handlers (`scheduled`, `queue`, …)
 * pass through unchanged. Bad options throw a `ConfigError` here.
 *
 * With concurrency rules, the request's leases are given back through `ctx.waitUntil` when the response is
 * done: once its body has been streamed to the end (or the client went away), at once for a response
 * without a body or a WebSocket upgrade, and when the handler throws.
 */
export function withRateLimit<Env = unknown, QueueMessage = unknown, CfHostMetadata = unknown>(
  handler: ExportedHandler<Env, QueueMessage, CfHostMetadata>,
  options: WorkersRateLimitOptions<Env>,
): ExportedHandler<Env, QueueMessage, CfHostMetadata> {
  const inner = handler?.fetch;
  if (typeof inner !== "function") throw new ConfigError(["[workers] withRateLimit: the handler has no fetch"]);
  const gate = createGate(options, {
    where: "[workers] withRateLimit",
    limiter: options?.limiter,
    built: { argOf: (_request: Request, env: Env) => env, envOf: (env: Env) => env },
    defaultKey: (request) => clientIp(request, { platform: "cloudflare" }),
    eventOf: (request, env) => ({ request, env }),
  });

  const fetch: ExportedHandlerFetchHandler<Env, CfHostMetadata> = async (request, env, ctx) => {
    const background = (promise: Promise<unknown>) => ctx.waitUntil(promise);
    const passage = await gate(background, request, env);
    if (passage.decision?.allowed) decisions.set(request, passage.decision);
    return serve(passage, options.format, () => inner.call(handler, request, env, ctx), background);
  };
  return { ...handler, fetch };
}
