import type { Decision, RuleDecision } from "../decision.ts";
import { type HeaderFormat, rateLimitHeaders } from "./headers.ts";

export interface DeniedResponseOptions {
  /** RateLimit header format (default `"draft-8"`). */
  format?: HeaderFormat;
  /** Extra headers to send with the response. */
  headers?: HeadersInit;
}

/**
 * The response for a denied decision, with an `application/problem+json` body (RFC 9457):
 * 429 with `Retry-After` when a rule denied; 503 when the store failed and the policy denied
 * (`degraded`), because the client did nothing wrong.
 */
export function deniedResponse(decision: Decision, options: DeniedResponseOptions = {}): Response {
  const headers = new Headers(options.headers);
  for (const [name, value] of Object.entries(rateLimitHeaders(decision, options.format))) headers.set(name, value);
  headers.set("Content-Type", "application/problem+json");
  headers.set("Cache-Control", "no-store");
  const body = deniedBody(decision, headers.get("Retry-After") ?? undefined);
  return new Response(JSON.stringify(body), { status: body.status, headers });
}

/** An RFC 9457 problem for a denied decision, as `deniedResponse` sends it (`status`: 429, or 503 when degraded). */
export interface DeniedBody {
  readonly type?: string;
  readonly title: string;
  readonly status: 429 | 503;
  readonly detail: string;
  readonly "violated-policies"?: readonly string[];
}

/**
 * The `application/problem+json` body for a denied decision, for adapters that build their own response
 * (Lambda proxy results). `retryAfter` is the `Retry-After` value in seconds, quoted in `detail`.
 */
export function deniedBody(
  decision: Pick<Decision, "degraded" | "reason"> & {
    readonly rules: readonly Pick<RuleDecision, "name" | "allowed" | "shadow">[];
  },
  retryAfter: string | undefined,
): DeniedBody {
  if (decision.degraded) {
    return {
      title: "Service Unavailable",
      status: 503,
      detail: "The rate limiter could not reach its store, so this request was not let through. Try again shortly.",
    };
  }
  return {
    // Inline rather than a module constant: a bundler keeps a top-level constant's name.
    type: "https://iana.org/assignments/http-problem-types#quota-exceeded",
    title: "Too Many Requests",
    status: 429,
    detail:
      decision.reason === "exceeds-capacity"
        ? "This request costs more than the quota allows at once; it can never succeed as it is."
        : `Quota exceeded; retry in ${seconds(retryAfter)}.`,
    "violated-policies": decision.rules.filter((r) => !r.allowed && !r.shadow).map((r) => r.name),
  };
}

/** `"1 second"`, `"40 seconds"`; `"a few seconds"` when the wait is unknown. */
function seconds(retryAfter: string | undefined): string {
  if (retryAfter === undefined) return "a few seconds";
  return retryAfter === "1" ? "1 second" : `${retryAfter} seconds`;
}

/** The problem body of `missingKeyResponse`, for adapters that build their own response (Lambda proxy results). */
export const MISSING_KEY_BODY = {
  title: "Bad Request",
  status: 400,
  detail: "The request carries no client identity to rate limit by.",
} as const;

/** The 400 an adapter answers (with `missingKey: "deny"`) when a request carries no identity to limit by. */
export function missingKeyResponse(): Response {
  return new Response(JSON.stringify(MISSING_KEY_BODY), {
    status: 400,
    headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store" },
  });
}
