// edgelimit/durable-objects: the Durable Object class and the store that routes keys to it.
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
