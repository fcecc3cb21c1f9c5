import { ConfigError, StoreError, toStoreError } from "../src/errors.ts";
import type { RemoteStore } from "../src/layers/layer.ts";
import { standardLayers } from "../src/layers/standard.ts";
import { ALGORITHMS } from "../src/rules/algorithm-list.ts";
import type { StoreFeature } from "../src/rules/types.ts";
import { storageKey } from "../src/storage-key.ts";
import type { ReleaseRequest, StoreRequest, StoreResponse } from "../src/store.ts";
import type { ObjectApplyRequest, ObjectApplyResponse, ObjectReleaseRequest } from "./object.ts";

/** The RPC surface of `RateLimiterObject` that the store calls; a stub of the real class fits it. */
export interface RateLimiterStub {
  apply(request: ObjectApplyRequest): Promise<ObjectApplyResponse>;
  reset(key: string): Promise<void>;
  release(request: ObjectReleaseRequest): Promise<void>;
  ping(): Promise<number>;
}

/** The part of a Durable Object namespace binding the store uses (`env.RATE_LIMITER`). */
export interface RateLimiterNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions): RateLimiterStub;
}

export interface DurableObjectStoreOptions {
  /**
   * Whose clock decides (default `"object"`):
   * - `"object"`: the Durable Object's `Date.now()`. Every Worker location talks to the same object, so
   *   clock skew between edge locations cannot change a decision. The limiter's `clock` is then unused.
   * - `"caller"`: the limiter's `clock` (tests drive time through it).
   */
  clock?: "object" | "caller";
  /** Where a new object is first created (`"wnam"`, `"weur"`, …); default: near the first caller. */
  locationHint?: DurableObjectLocationHint;
  /** Object names longer than this many UTF-8 bytes are hashed with `storageKey()` (default 256). */
  maxNameBytes?: number;
  /**
   * The namespace's class is `FullRateLimiterObject` (default `false`: `RateLimiterObject`): the store then takes
   * `blockFor()` rules and settles decisions (`settle: settleCosts()`); without it the limiter refuses both with a
   * `ConfigError`. `shadow()` rules work with either class.
   */
  full?: boolean;
}

const NAME = "durable-object";
/** What a `RateLimiterObject` applies beyond the plain algorithms: shadow rules (`evaluateRules` handles them). */
const SHADOW_ONLY = ["shadow"] as const;
/** What `FullRateLimiterObject` applies: every rule feature, stored quotas (`setLimits`) and settlements. */
const FULL_FEATURES: readonly StoreFeature[] = /* @__PURE__ */ Object.freeze([
  "shadow",
  "blockFor",
  "setLimits",
  "settle",
]);

/**
 * A store that keeps each key in its own `RateLimiterObject` (`namespace.idFromName(name)`, where the name
 * is the encoded storage key, escaped prefix included) and decides there, in one RPC call: one billed Durable Object
 * request per decision, and one per lease release. Exact under any concurrency, since one object serializes
 * its key.
 *
 * An RPC call cannot take an `AbortSignal`, so when the limiter's time budget runs out the call is raced
 * and abandoned, not cancelled: the object may still apply the decision. Errors become `StoreError`s
 * named `durable-object`.
 */
export function durableObjectStore(
  namespace: RateLimiterNamespace,
  options: DurableObjectStoreOptions = {},
): RemoteStore {
  const config = Object.freeze({ clock: "object", maxNameBytes: 256, ...options });
  const problems: string[] = [];
  if (typeof namespace?.idFromName !== "function" || typeof namespace?.get !== "function") {
    problems.push("durableObjectStore: namespace must be a Durable Object namespace binding such as env.RATE_LIMITER");
  }
  if (config.clock !== "object" && config.clock !== "caller") {
    problems.push(`durableObjectStore: clock must be "object" or "caller", got ${JSON.stringify(config.clock)}`);
  }
  if (config.full !== undefined && typeof config.full !== "boolean") {
    problems.push(`durableObjectStore: full must be true or false, got ${JSON.stringify(config.full)}`);
  }
  if (!Number.isInteger(config.maxNameBytes) || config.maxNameBytes < 32) {
    problems.push(`durableObjectStore: maxNameBytes must be a whole number ≥ 32, got ${String(config.maxNameBytes)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const getOptions = config.locationHint ? { locationHint: config.locationHint } : undefined;
  const stubFor = (name: string) => namespace.get(namespace.idFromName(name), getOptions);

  async function call<T>(what: string, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    try {
      signal?.throwIfAborted();
      return await raced(run(), signal);
    } catch (cause) {
      if (signal?.aborted && cause === signal.reason) throw cause;
      throw toStoreError(NAME, cause, `${what} failed: ${messageOf(cause)}`);
    }
  }

  return Object.freeze({
    name: NAME,
    layers: standardLayers,
    algorithms: ALGORITHMS,
    features: config.full ? FULL_FEATURES : SHADOW_ONLY,
    async apply(request: StoreRequest): Promise<StoreResponse> {
      const name = await storageKey(request.key, config.maxNameBytes);
      const response = await call("apply", request.signal, () =>
        stubFor(name).apply({
          key: name,
          rules: request.rules,
          cost: request.cost,
          now: config.clock === "caller" ? request.now : undefined,
          consume: request.consume,
          quotas: request.quotas?.plan,
          // A settlement: its adjusters do not cross the RPC boundary; the object has its own.
          ...(request.adjust ? { adjust: { delta: request.adjust.delta, at: request.adjust.at } } : {}),
        }),
      );
      if (!Array.isArray(response?.outcomes) || response.outcomes.length !== request.rules.length) {
        throw new StoreError(NAME, "apply answered an unexpected shape; is the binding a RateLimiterObject?");
      }
      // With stored quotas the object (only FullRateLimiterObject takes them) answers the rules it decided with.
      request.quotas?.heard(response.rules!);
      return response;
    },
    async release(request: ReleaseRequest): Promise<void> {
      const name = await storageKey(request.key, config.maxNameBytes);
      await call("release", request.signal, () =>
        stubFor(name).release({
          key: name,
          rules: request.rules,
          leases: request.leases,
          now: config.clock === "caller" ? request.now : undefined,
          quotas: request.quotas?.plan,
        }),
      );
    },
    async reset(key: string, signal: AbortSignal | undefined): Promise<void> {
      const name = await storageKey(key, config.maxNameBytes);
      await call("reset", signal, () => stubFor(name).reset(name));
    },
    async ping(signal: AbortSignal | undefined): Promise<void> {
      // No key's name starts with `\` and a letter (storage-key.ts), so the probe's object is no key's object.
      await call("ping", signal, () => stubFor("\\ping").ping());
    },
  });
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function raced<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(error);
      },
    );
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
