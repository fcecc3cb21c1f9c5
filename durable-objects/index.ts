/// <reference types="@cloudflare/workers-types" preserve="true" />
// edgelimit/durable-objects: the Durable Object class and the store that routes keys to it.
// The declarations use the Workers runtime types (`cloudflare:workers`, DurableObjectState, ExportedHandler…): the
// reference above puts them in a consumer's program, or fails with TS2688 naming the package to install.

export { FullRateLimiterObject } from "./full-object.ts";
export {
  type ObjectApplyRequest,
  type ObjectApplyResponse,
  type ObjectReleaseRequest,
  type ObjectStats,
  RateLimiterObject,
} from "./object.ts";
export {
  type DurableObjectStoreOptions,
  durableObjectStore,
  type RateLimiterNamespace,
  type RateLimiterStub,
} from "./store.ts";
