import type { Decision } from "../src/decision.ts";
import { type HeaderFormat, rateLimitHeaders } from "../src/http/headers.ts";
import type { AuthorizerContext } from "./events.ts";

/**
 * What a decision means for the caller, as the `rl_status` context value says it:
 * `allowed`; `limited` (a rule denied: answer 429); `unavailable` (the store failed and the failure
 * policy denied: answer 503).
 */
export type ContextStatus = "allowed" | "limited" | "unavailable";

/**
 * The authorizer context for a decision. Keys use only `_` (the one special character REST allows) and
 * values are strings or numbers (REST stringifies them; HTTP API simple responses keep them):
 *
 * | key | value |
 * |---|---|
 * | `rl_status` | `allowed`, `limited` or `unavailable` |
 * | `rl_limit` | the tightest rule's quota |
 * | `rl_remaining` | units left in it |
 * | `rl_reset` | seconds until its full quota is back |
 * | `rl_retry_after` | seconds to wait (0 when allowed); absent when waiting cannot help (`exceeds-capacity`) |
 * | `rl_ratelimit`, `rl_ratelimit_policy` | the `RateLimit` / `RateLimit-Policy` header values, when `format` has them |
 * | `rl_violated` | comma-separated names of the rules that denied (denials only) |
 */
export function decisionContext(decision: Decision, format: HeaderFormat = "draft-8"): AuthorizerContext {
  const headers = rateLimitHeaders(decision, format);
  const context: AuthorizerContext = {
    rl_status: statusOf(decision),
    rl_limit: decision.limit,
    rl_remaining: decision.remaining,
    rl_reset: Math.max(0, Math.ceil((decision.resetAt - decision.now) / 1000)),
  };
  if (decision.allowed) context.rl_retry_after = 0;
  else if (headers["Retry-After"] !== undefined) context.rl_retry_after = Number(headers["Retry-After"]);
  if (headers.RateLimit !== undefined) context.rl_ratelimit = headers.RateLimit;
  if (headers["RateLimit-Policy"] !== undefined) context.rl_ratelimit_policy = headers["RateLimit-Policy"];
  if (!decision.allowed) {
    context.rl_violated = decision.rules
      .filter((r) => !r.allowed && !r.shadow)
      .map((r) => r.name)
      .join(",");
  }
  return context;
}

function statusOf(decision: Decision): ContextStatus {
  if (decision.allowed) return "allowed";
  return decision.degraded ? "unavailable" : "limited";
}

/** What a backend learns from an edgelimit authorizer's context (`undefined` when there is none). */
export interface ContextVerdict {
  readonly status: ContextStatus;
  /** Whole seconds, when the authorizer gave one. */
  readonly retryAfterSeconds: number | undefined;
  readonly violated: readonly string[];
  /** `RateLimit` / `RateLimit-Policy` header values to pass on. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Reads the context an edgelimit authorizer left on a proxy event: REST at `requestContext.authorizer`
 * (values stringified), HTTP API simple responses at `requestContext.authorizer.lambda`.
 */
export function readContext(authorizer: Record<string, unknown> | null | undefined): ContextVerdict | undefined {
  if (!authorizer) return undefined;
  const nested = authorizer.lambda;
  const values = nested !== null && typeof nested === "object" ? (nested as Record<string, unknown>) : authorizer;
  const status = values.rl_status;
  if (status !== "allowed" && status !== "limited" && status !== "unavailable") return undefined;
  const text = (name: string) => {
    const value = values[name];
    return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
  };
  const retry = Number(text("rl_retry_after"));
  const headers: Record<string, string> = {};
  const rateLimit = text("rl_ratelimit");
  const policy = text("rl_ratelimit_policy");
  if (rateLimit !== undefined) headers.RateLimit = rateLimit;
  if (policy !== undefined) headers["RateLimit-Policy"] = policy;
  return {
    status,
    retryAfterSeconds: Number.isFinite(retry) && text("rl_retry_after") !== undefined ? retry : undefined,
    violated: (text("rl_violated") ?? "").split(",").filter((name) => name !== ""),
    headers,
  };
}
