import { ConfigError } from "../src/errors.ts";
import type { HeaderFormat } from "../src/http/headers.ts";
import type { RateLimiter } from "../src/limiter.ts";
import { decisionContext } from "./context.ts";
import type {
  AuthorizerContext,
  AuthorizerEvent,
  HttpApiAuthorizerEvent,
  PolicyResult,
  RequestAuthorizerEvent,
  SimpleResult,
  TokenAuthorizerEvent,
} from "./events.ts";
import { hashKey, type MissingKeyPolicy, sourceIpKey, UNKNOWN_CLIENT_KEY, unauthorized } from "./keys.ts";

/**
 * How an HTTP API (payload 2.0) authorizer answers:
 * - `"simple"`: `{ isAuthorized, context }`; a limited request gets 403 (HTTP APIs cannot map it to 429);
 * - `"iam"`: the IAM policy form, as REST APIs get it (simple responses off); also 403 when limited;
 * - `"allow-with-context"`: always `{ isAuthorized: true, context }`; the backend reads `rl_status` and
 *   answers 429 itself (`withRateLimit(…, { trustAuthorizer: true })` does).
 */
export type HttpApiMode = "simple" | "iam" | "allow-with-context";

/** What `authenticate` may tell about a caller it accepts. */
export interface Authenticated {
  /** The policy's `principalId` (default: the rate-limit key). */
  principalId?: string;
  /** Rate-limit this caller by this key instead of the client IP (hash credentials with `hashKey`). */
  key?: string;
  /** Extra context for the backend; keys `[A-Za-z0-9_]`, values strings, numbers or booleans. */
  context?: AuthorizerContext;
}

export interface AuthorizerOptions {
  /** The limiter; create it once per container, at module scope. */
  limiter: RateLimiter;
  /**
   * The rate-limit key of a request. Default: `ip:<sourceIp>` for REST `REQUEST` and HTTP API events,
   * `token:sha256:<hex>` of the token for `TOKEN` events (which carry no IP). Returning `undefined` falls
   * back to that default. Never return a raw credential: pass it through `hashKey`.
   */
  key?: (event: AuthorizerEvent) => string | undefined | Promise<string | undefined>;
  /**
   * Runs before the limiter. Return `false` (or throw `new Error("Unauthorized")`) to answer 401;
   * any other error thrown is a 500. Return `Authenticated` to set the principal, key or context.
   */
  authenticate?: (
    event: AuthorizerEvent,
  ) => Authenticated | boolean | undefined | Promise<Authenticated | boolean | undefined>;
  /** How HTTP API payload 2.0 events are answered (default `"simple"`). */
  httpApiMode?: HttpApiMode;
  /** RateLimit header format for the `rl_ratelimit*` context values (default `"draft-8"`). */
  format?: HeaderFormat;
  /**
   * No key from `key`/`authenticate` and no valid `sourceIp`: `"shared"` (default) limits all such requests
   * together under `ip:unknown`; `"unauthorized"` answers 401.
   */
  missingKey?: MissingKeyPolicy;
  /** IPv6 client addresses are keyed by this prefix length, in bits (default 56). */
  ipv6Prefix?: number;
}

/** The result for an event: the IAM form for REST (and HTTP API `"iam"`), a simple response otherwise. */
export type AuthorizerResult = PolicyResult | SimpleResult;

/** The handler: one function for REST `TOKEN`, REST `REQUEST` and HTTP API payload 2.0 (and 1.0) events. */
export type AuthorizerHandler = (event: AuthorizerEvent) => Promise<AuthorizerResult>;

const MODES: readonly HttpApiMode[] = ["simple", "iam", "allow-with-context"];
const CONTEXT_KEY = /^[A-Za-z0-9_]+$/;

/**
 * An API Gateway Lambda authorizer that rate-limits. Allowed → `Allow`; limited → `Deny` (403 unless a
 * gateway response maps `ACCESS_DENIED` to 429, as `template.yaml` does for REST); auth failure → 401.
 * The policy's resource is the whole stage (`arn:…:{apiId}/{stage}/*`). Turn authorizer caching off
 * (`ReauthorizeEvery: 0`): a cached Allow would skip the limiter for up to 300 s by default.
 */
export function createAuthorizer(options: AuthorizerOptions): AuthorizerHandler {
  const { limiter, key, authenticate } = options;
  const mode = options.httpApiMode ?? "simple";
  const missingKey = options.missingKey ?? "shared";
  const problems: string[] = [];
  if (typeof limiter?.limit !== "function") problems.push("[lambda] createAuthorizer: limiter must be a RateLimiter");
  if (!MODES.includes(mode)) problems.push(`[lambda] createAuthorizer: httpApiMode must be one of ${MODES.join(", ")}`);
  if (missingKey !== "shared" && missingKey !== "unauthorized") {
    problems.push('[lambda] createAuthorizer: missingKey must be "shared" or "unauthorized"');
  }
  if (limiter?.config?.rules.some((rule) => rule.algorithm === "concurrency")) {
    problems.push(
      "[lambda] createAuthorizer: an authorizer cannot see when a request ends, so it could never release a concurrency lease; limit concurrency in the backend with withRateLimit",
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  async function keyOf(event: AuthorizerEvent, auth: Authenticated | undefined): Promise<string> {
    const chosen = (await key?.(event)) ?? auth?.key ?? (await defaultKey(event, options.ipv6Prefix));
    if (chosen !== undefined && chosen !== "") return chosen;
    if (missingKey === "unauthorized") throw unauthorized();
    return UNKNOWN_CLIENT_KEY;
  }

  return async function authorizer(event: AuthorizerEvent): Promise<AuthorizerResult> {
    const arn = arnOf(event);
    const verdict = authenticate ? await authenticate(event) : undefined;
    if (verdict === false) throw unauthorized();
    const auth = typeof verdict === "object" ? verdict : undefined;
    const rateKey = await keyOf(event, auth);
    const decision = await limiter.limit(rateKey);
    const context = { ...checkedContext(auth?.context), ...decisionContext(decision, options.format) };
    if (isHttpApi(event) && mode !== "iam") {
      return { isAuthorized: mode === "allow-with-context" || decision.allowed, context };
    }
    return {
      principalId: auth?.principalId ?? rateKey,
      policyDocument: {
        Version: "2012-10-17",
        Statement: [
          { Action: "execute-api:Invoke", Effect: decision.allowed ? "Allow" : "Deny", Resource: stageWildcard(arn) },
        ],
      },
      context,
    };
  };
}

function isHttpApi(event: AuthorizerEvent): event is HttpApiAuthorizerEvent {
  return (event as { version?: string }).version === "2.0";
}

function arnOf(event: AuthorizerEvent): string {
  const arn = isHttpApi(event) ? event.routeArn : (event as TokenAuthorizerEvent | RequestAuthorizerEvent).methodArn;
  if (typeof arn !== "string") {
    const type = JSON.stringify((event as { type?: unknown })?.type);
    throw new TypeError(`[edgelimit] [lambda] not an API Gateway authorizer event (type ${type}, no method ARN)`);
  }
  return arn;
}

/** The default key: `ip:<sourceIp>`, or `token:<hash>` for TOKEN events; `undefined` when there is none. */
async function defaultKey(event: AuthorizerEvent, ipv6Prefix: number | undefined): Promise<string | undefined> {
  if (isHttpApi(event)) return sourceIpKey(event.requestContext?.http?.sourceIp, ipv6Prefix);
  if (event.type === "TOKEN") {
    return event.authorizationToken ? `token:${await hashKey(event.authorizationToken)}` : undefined;
  }
  return sourceIpKey(event.requestContext?.identity?.sourceIp, ipv6Prefix);
}

/**
 * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/*`: every method and path of the stage, since
 * API Gateway applies a cached policy to all methods of the authorizer (a method-only ARN then gives 403s).
 */
export function stageWildcard(arn: string): string {
  const [api, stage] = arn.split("/");
  if (!api?.startsWith("arn:") || !stage) {
    throw new TypeError(`[edgelimit] [lambda] malformed method ARN ${JSON.stringify(arn)}`);
  }
  return `${api}/${stage}/*`;
}

function checkedContext(context: AuthorizerContext | undefined): AuthorizerContext {
  if (context === undefined) return {};
  for (const [name, value] of Object.entries(context)) {
    if (!CONTEXT_KEY.test(name) || !["string", "number", "boolean"].includes(typeof value)) {
      throw new TypeError(
        `[edgelimit] [lambda] authorizer context ${JSON.stringify(name)}: keys may use only A-Z a-z 0-9 _, ` +
          "values only strings, numbers or booleans",
      );
    }
  }
  return context;
}
