// edgelimit/lambda: API Gateway Lambda authorizers and a proxy-handler wrapper. Event shapes are typed in
// events.ts (no @types/aws-lambda dependency).

export type { MissingKeyPolicy } from "../src/http/gate.ts";
export {
  type Authenticated,
  type AuthorizerHandler,
  type AuthorizerOptions,
  type AuthorizerResult,
  createAuthorizer,
  type HttpApiMode,
  type LambdaAuthorizerOptions,
  stageWildcard,
} from "./authorizer.ts";
export { type ContextStatus, type ContextVerdict, decisionContext, readContext } from "./context.ts";
export type * from "./events.ts";
export { hashKey, header, sourceIpKey, UNKNOWN_CLIENT_KEY, unauthorized } from "./keys.ts";
export {
  type LambdaRateLimitOptions,
  type ProxyHandler,
  type RateLimitOptions,
  withRateLimit,
} from "./proxy.ts";
