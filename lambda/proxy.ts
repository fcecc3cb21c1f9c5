import type { Decision } from "../src/decision.ts";
import { ConfigError } from "../src/errors.ts";
import { createGate, type GateOptions } from "../src/http/gate.ts";
import { deniedBody, MISSING_KEY_BODY } from "../src/http/responses.ts";
import type { RateLimiter } from "../src/limiter.ts";
import { readContext } from "./context.ts";
import type { ProxyEvent, ProxyEventV2, ProxyResult, ProxyResultV1, ProxyResultV2Structured } from "./events.ts";
import { ipv6PrefixProblems, sourceIpKey, UNKNOWN_CLIENT_KEY } from "./keys.ts";

export interface LambdaRateLimitOptions<E extends ProxyEvent>
  extends GateOptions<[event: E], { event: E }, ProxyResult> {
  /** The limiter; create it once per container, at module scope. */
  limiter: RateLimiter;
  /**
   * The rate-limit key (default `ip:<sourceIp>`: `requestContext.identity.sourceIp` for REST,
   * `requestContext.http.sourceIp` for HTTP API). `undefined` falls back to that default; requests with
   * neither go by `missingKey` (`"shared"`: the `ip:unknown` bucket). Never return a raw credential: pass it
   * through `hashKey`.
   */
  key?: (event: E) => string | undefined | Promise<string | undefined>;
  /** IPv6 client addresses are keyed by this prefix length, in bits (default 56). */
  ipv6Prefix?: number;
  /**
   * When the event carries an edgelimit authorizer's context (`rl_status`), use its decision instead of
   * asking the limiter again: answer 429 for `limited` (HTTP API `"allow-with-context"` mode), pass its
   * headers on otherwise. Default `false`. Only for routes whose authorizer you control.
   */
  trustAuthorizer?: boolean;
  /**
   * Runs after every decision the limiter made (analytics, logs), alongside the handler; awaited before the
   * result is returned, since Lambda may freeze the container right after. Errors it throws are ignored.
   */
  onDecision?: (event: { event: E; key: string; decision: Decision }) => unknown;
}

/** @deprecated Renamed `LambdaRateLimitOptions`. */
export type RateLimitOptions<E extends ProxyEvent> = LambdaRateLimitOptions<E>;

/** A proxy handler; `context` is Lambda's context object, passed through untouched. */
export type ProxyHandler<E extends ProxyEvent, R extends ProxyResult = ProxyResult> = (
  event: E,
  context?: unknown,
) => Promise<R>;

const isV2 = (event: ProxyEvent): event is ProxyEventV2 => event.version === "2.0";

interface Verdict {
  readonly headers: Record<string, string>;
  readonly denied?: ProxyResultV1;
  readonly release?: ((result?: ProxyResult) => Promise<void>) | undefined;
}

/**
 * Wraps a Lambda proxy handler (REST payload 1.0 or HTTP API payload 2.0): a limited request gets 429
 * (503 when the store failed and the policy denied) with `Retry-After`, RateLimit headers and an
 * `application/problem+json` body, without running the handler; an allowed one runs it and gets the
 * RateLimit headers added to its result (in `headers`, replacing any same-named header in any case,
 * and removed from `multiValueHeaders`). A v2 result without `statusCode` is turned into the 200 JSON
 * response API Gateway would have made of it, so that the headers can be added. Bad options throw a
 * `ConfigError` here.
 */
export function withRateLimit<E extends ProxyEvent>(
  handler: ProxyHandler<E>,
  options: LambdaRateLimitOptions<E>,
): ProxyHandler<E, ProxyResultV1 | ProxyResultV2Structured> {
  if (typeof handler !== "function") throw new ConfigError(["[lambda] withRateLimit: handler must be a function"]);
  const gate = createGate(options, {
    where: "[lambda] withRateLimit",
    limiter: options?.limiter,
    defaultKey: (event) => defaultKey(event, options.ipv6Prefix),
    keyFallsBack: true,
    sharedKey: UNKNOWN_CLIENT_KEY,
    eventOf: (event) => ({ event }),
    problems: ipv6PrefixProblems(options?.ipv6Prefix),
  });

  async function decide(event: E, background: (promise: Promise<unknown>) => void): Promise<Verdict> {
    const verdict = options.trustAuthorizer ? readContext(event.requestContext?.authorizer) : undefined;
    if (verdict !== undefined) {
      const headers = { ...verdict.headers };
      if (verdict.status === "allowed") return { headers };
      if (verdict.retryAfterSeconds !== undefined) headers["Retry-After"] = String(verdict.retryAfterSeconds);
      const rules = verdict.violated.map((name) => ({ name, allowed: false }));
      const body = deniedBody(
        { degraded: verdict.status === "unavailable", reason: "limited", rules },
        headers["Retry-After"],
      );
      return { headers, denied: problem(body, headers) };
    }
    const passage = await gate(background, event);
    const { decision } = passage;
    if (!decision) return passage.refused ? { headers: {}, denied: problem(MISSING_KEY_BODY, {}) } : { headers: {} };
    const { headers } = passage;
    if (decision.allowed) return { headers, release: passage.release };
    return { headers, denied: problem(deniedBody(decision, headers["Retry-After"]), headers) };
  }

  return async function rateLimited(event: E, context?: unknown) {
    // onDecision runs alongside the handler and is awaited before the result goes back (the container may freeze).
    const pending: Promise<unknown>[] = [];
    try {
      const { headers, denied, release } = await decide(event, (promise) => pending.push(promise));
      if (denied) return denied;
      let result: ProxyResult | undefined;
      try {
        result = await handler(event, context);
        return addHeaders(result, headers, isV2(event));
      } finally {
        // A Lambda result is complete when the handler returns, and the container may freeze right after:
        // the lease goes back (and the cost is settled, with `settle`) before the response does. A failed release
        // is ignored (the lease expires).
        await release?.(result);
      }
    } finally {
      await Promise.all(pending);
    }
  };
}

function defaultKey(event: ProxyEvent, ipv6Prefix: number | undefined): string | undefined {
  const ip = isV2(event) ? event.requestContext?.http?.sourceIp : event.requestContext?.identity?.sourceIp;
  return sourceIpKey(ip, ipv6Prefix);
}

function problem(body: { readonly status: number }, headers: Record<string, string>): ProxyResultV1 {
  return {
    statusCode: body.status,
    headers: { ...headers, "Content-Type": "application/problem+json", "Cache-Control": "no-store" },
    body: JSON.stringify(body),
  };
}

/** The handler's result with `add` set in its headers, whatever the case of the names already there. */
function addHeaders(
  result: ProxyResult,
  add: Record<string, string>,
  v2: boolean,
): ProxyResultV1 | ProxyResultV2Structured {
  let structured: ProxyResultV1 | ProxyResultV2Structured;
  if (v2 && (typeof result !== "object" || result === null || !("statusCode" in result))) {
    // What API Gateway does with a payload 2.0 result that has no statusCode: 200, JSON, the value as body.
    structured = {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: typeof result === "string" ? result : JSON.stringify(result ?? null),
    };
  } else if (typeof result === "object" && result !== null && "statusCode" in result) {
    structured = { ...(result as ProxyResultV1) };
  } else {
    throw new TypeError("[edgelimit] [lambda] a payload 1.0 proxy handler must return an object with statusCode");
  }
  const names = new Set(Object.keys(add).map((name) => name.toLowerCase()));
  const keep = <T>(map: Record<string, T> | undefined) =>
    Object.fromEntries(Object.entries(map ?? {}).filter(([name]) => !names.has(name.toLowerCase())));
  structured.headers = { ...keep(structured.headers), ...add };
  if ("multiValueHeaders" in structured && structured.multiValueHeaders) {
    structured.multiValueHeaders = keep(structured.multiValueHeaders);
  }
  return structured;
}
