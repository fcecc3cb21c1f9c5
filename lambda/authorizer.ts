import type { Decision } from "../src/decision.ts";
import { createGate, type GateOptions, type MissingKeyPolicy } from "../src/http/gate.ts";
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
import { hashKey, ipv6PrefixProblems, sourceIpKey, UNKNOWN_CLIENT_KEY, unauthorized } from "./keys.ts";

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

type Args = [event: AuthorizerEvent, auth?: Authenticated];

export interface LambdaAuthorizerOptions
  extends Omit<GateOptions<Args, { event: AuthorizerEvent }>, "missingKey" | "cost" | "settle"> {
  /** The limiter; create it once per container, at module scope. */
  limiter: RateLimiter;
  /**
   * The rate-limit key of a request. Default: `ip:<sourceIp>` for REST `REQUEST` and HTTP API events; for `TOKEN`
   * events (which carry no IP) `token:sha256:<hex>` of the token, but only once `authenticate` accepted it:
   * without `authenticate` or a key from here, a `TOKEN` event is refused with 401, because an unverified token
   * is whatever the caller invents. Returning `undefined` falls back to the default. Never return a raw
   * credential: pass it through `hashKey`.
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
  /** Units a request uses: a whole number ≥ 0, or a function of the event that returns one (default 1). */
  cost?: number | ((event: AuthorizerEvent) => number);
  /**
   * No key from `key`/`authenticate` and no valid `sourceIp` (default `"shared"`): `"shared"` limits all such
   * requests together under `ip:unknown`; `"deny"` answers 401; `"skip"` allows them unlimited.
   * `"unauthorized"` is the old name of `"deny"`.
   */
  missingKey?: MissingKeyPolicy | "unauthorized";
  /** IPv6 client addresses are keyed by this prefix length, in bits (default 56). */
  ipv6Prefix?: number;
  /**
   * Runs after every decision (analytics, logs); awaited before the authorizer answers, since Lambda may freeze
   * the container right after. Errors it throws are ignored.
   */
  onDecision?: (event: { event: AuthorizerEvent; key: string; decision: Decision }) => unknown;
}

/** @deprecated Renamed `LambdaAuthorizerOptions`. */
export type AuthorizerOptions = LambdaAuthorizerOptions;

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
 * Bad options throw a `ConfigError` here.
 */
export function createAuthorizer(options: LambdaAuthorizerOptions): AuthorizerHandler {
  const { limiter, authenticate, format } = options ?? ({} as LambdaAuthorizerOptions);
  const mode = options?.httpApiMode ?? "simple";
  const asked = options?.missingKey ?? "shared";
  const missingKey: MissingKeyPolicy = asked === "unauthorized" ? "deny" : asked;
  const problems = ipv6PrefixProblems(options?.ipv6Prefix);
  if (!MODES.includes(mode)) problems.push(`httpApiMode must be one of ${MODES.join(", ")}`);
  if (limiter?.config?.rules.some((rule) => rule.algorithm === "concurrency")) {
    problems.push(
      "an authorizer cannot see when a request ends, so it could never release a concurrency lease; limit concurrency in the backend with withRateLimit",
    );
  }
  const gate = createGate<Args, { event: AuthorizerEvent }>(
    { ...options, missingKey },
    {
      where: "[lambda] createAuthorizer",
      limiter,
      defaultKey: async (event, auth) => auth?.key ?? (await defaultKey(event, !!authenticate, options.ipv6Prefix)),
      keyFallsBack: true,
      sharedKey: UNKNOWN_CLIENT_KEY,
      eventOf: (event) => ({ event }),
      problems,
    },
  );

  return async function authorizer(event: AuthorizerEvent): Promise<AuthorizerResult> {
    const arn = arnOf(event);
    const verdict = authenticate ? await authenticate(event) : undefined;
    if (verdict === false) throw unauthorized();
    const auth = typeof verdict === "object" ? verdict : undefined;
    const passage = await gate(undefined, event, auth);
    const { decision } = passage;
    if (!decision && passage.refused) throw unauthorized();
    const allowed = decision?.allowed ?? true;
    const context = { ...checkedContext(auth?.context), ...(decision ? decisionContext(decision, format) : {}) };
    if (isHttpApi(event) && mode !== "iam") {
      return { isAuthorized: mode === "allow-with-context" || allowed, context };
    }
    return {
      principalId: auth?.principalId ?? (decision ? passage.key : UNKNOWN_CLIENT_KEY),
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: allowed ? "Allow" : "Deny", Resource: stageWildcard(arn) }],
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

/**
 * The default key: `ip:<sourceIp>`, or `token:<hash>` for a TOKEN event that `authenticate` accepted; `undefined`
 * when there is none. A TOKEN event nobody verified is refused (401): its token is whatever the caller invents, so
 * keying by it would give every invented token a fresh quota.
 */
async function defaultKey(
  event: AuthorizerEvent,
  authenticated: boolean,
  ipv6Prefix: number | undefined,
): Promise<string | undefined> {
  if (isHttpApi(event)) return sourceIpKey(event.requestContext?.http?.sourceIp, ipv6Prefix);
  if (event.type === "TOKEN") {
    if (!authenticated) throw unauthorized();
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
