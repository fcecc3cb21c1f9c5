// The demo authorizer that template.yaml deploys for both APIs (entry point of AuthorizerFunction).
import { createAuthorizer, type HttpApiMode } from "../index.ts";
import { readEnv } from "./env.ts";
import { limiter } from "./limiter.ts";

/** REST: Deny when limited (the API's ACCESS_DENIED gateway response turns it into 429). HTTP API: per HTTP_API_MODE. */
export const handler = createAuthorizer({ limiter, httpApiMode: readEnv("httpApiMode") as HttpApiMode });
