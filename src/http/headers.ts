import type { Decision, RuleDecision } from "../decision.ts";

/** Which RateLimit header fields to emit. `draft-8` is the current IETF syntax (named policies). */
export type HeaderFormat = "draft-8" | "draft-7" | "draft-6" | "legacy";

/** Every `HeaderFormat`, for checking an option. */
export const HEADER_FORMATS: readonly HeaderFormat[] = ["draft-8", "draft-7", "draft-6", "legacy"];

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));
const windowSeconds = (rule: RuleDecision) => Math.max(1, seconds(rule.windowMs));

/**
 * Response headers for a decision, as a plain object that fits `new Headers()`, `Response` init and
 * Lambda proxy results alike. Denials add `Retry-After` (whole seconds, rounded up). A degraded decision
 * carries no RateLimit fields, because the store did not supply real numbers.
 *
 * - `draft-8` (default): `RateLimit-Policy: "name";q=100;w=60` and `RateLimit: "name";r=42;t=17`, one item per rule;
 *   a concurrency rule's policy carries the quota unit `qu="concurrent-requests"` (its `w` is the lease).
 * - `draft-7`: `RateLimit-Policy: 100;w=60` and `RateLimit: limit=100, remaining=42, reset=17`.
 * - `draft-6`: `RateLimit-Policy`, `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds from now).
 * - `legacy`: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds).
 *
 * The top-level numbers come from the tightest rule. `shadow()` rules are left out; with no other rule, so are
 * the RateLimit fields.
 */
export function rateLimitHeaders(decision: Decision, format: HeaderFormat = "draft-8"): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!decision.allowed && Number.isFinite(decision.retryAfterMs)) {
    headers["Retry-After"] = String(Math.max(1, seconds(decision.retryAfterMs)));
  }
  const rules = decision.rules.filter((r) => !r.shadow);
  if (decision.degraded || !rules[0]) return headers;
  const reset = seconds(decision.resetAt - decision.now);
  const policies = rules.map((r) => `${r.limit};w=${windowSeconds(r)}`).join(", ");
  switch (format) {
    case "draft-8":
      headers["RateLimit-Policy"] = rules
        .map(
          (r) =>
            `"${r.name}";q=${r.limit}${r.algorithm === "concurrency" ? ';qu="concurrent-requests"' : ""};w=${windowSeconds(r)}`,
        )
        .join(", ");
      headers.RateLimit = rules
        .map((r) => `"${r.name}";r=${r.remaining};t=${seconds(r.resetAt - decision.now)}`)
        .join(", ");
      break;
    case "draft-7":
      headers["RateLimit-Policy"] = policies;
      headers.RateLimit = `limit=${decision.limit}, remaining=${decision.remaining}, reset=${reset}`;
      break;
    case "draft-6":
      headers["RateLimit-Policy"] = policies;
      headers["RateLimit-Limit"] = String(decision.limit);
      headers["RateLimit-Remaining"] = String(decision.remaining);
      headers["RateLimit-Reset"] = String(reset);
      break;
    case "legacy":
      headers["X-RateLimit-Limit"] = String(decision.limit);
      headers["X-RateLimit-Remaining"] = String(decision.remaining);
      headers["X-RateLimit-Reset"] = String(Math.ceil(decision.resetAt / 1000));
      break;
    default:
      throw new TypeError(
        `[edgelimit] unknown header format ${JSON.stringify(format)}; use "draft-8", "draft-7", "draft-6" or "legacy"`,
      );
  }
  return headers;
}
