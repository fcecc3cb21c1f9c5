import type { Decision } from "../decision.ts";
import { type HeaderFormat, rateLimitHeaders } from "./headers.ts";

export interface DeniedResponseOptions {
  /** RateLimit header format (default `"draft-8"`). */
  format?: HeaderFormat;
  /** Extra headers to send with the response. */
  headers?: HeadersInit;
}

const QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";

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
  const retry = headers.get("Retry-After");
  const body = decision.degraded
    ? {
        title: "Service Unavailable",
        status: 503,
        detail: "The rate limiter could not reach its store, so this request was not let through. Try again shortly.",
      }
    : {
        type: QUOTA_EXCEEDED,
        title: "Too Many Requests",
        status: 429,
        detail:
          decision.reason === "exceeds-capacity"
            ? "This request costs more than the quota allows at once; it can never succeed as it is."
            : `Quota exceeded; retry in ${retry ?? "a few"} seconds.`,
        "violated-policies": decision.rules.filter((r) => !r.allowed).map((r) => r.name),
      };
  return new Response(JSON.stringify(body), { status: body.status, headers });
}
