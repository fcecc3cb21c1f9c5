import type { Adjuster } from "./algorithms/adjust.ts";
import type { ApplyReleaseRequest, Evaluator, KeyState, Lease, RuleOutcome, StoredQuotas } from "./algorithms/apply.ts";
import type { Decision } from "./decision.ts";
import type { Algorithm, Rule, StoreFeature } from "./rules/types.ts";

/** One decision asked of a store: all rules of one key, applied atomically in one round trip. */
export interface StoreRequest {
  /**
   * The encoded storage key: the limiter's prefix with `\` and `:` escaped by a `\`, then `:`, then the caller's
   * key (`storagePrefix(prefix) + key`), so that each (prefix, key) pair has its own. Well-formed Unicode, any
   * length; stores that bound name lengths pass it through `storageKey()`, which hashes long ones.
   */
  readonly key: string;
  readonly rules: readonly Rule[];
  /**
   * Each rule's algorithm, in the order of `rules`. A store that runs the algorithms in this isolate passes the
   * request to `applyRules`, which calls these, so a bundle holds only the algorithms its rules use.
   */
  readonly evaluators: readonly Evaluator[];
  /** Whole number ≥ 0, never above any rule's capacity (the limiter answers that case itself). */
  readonly cost: number;
  /** The limiter's clock, epoch ms. A store with its own clock may use that instead and says so in `now`. */
  readonly now: number;
  /** `true` for `limit`, `false` for `peek` (never writes). */
  readonly consume: boolean;
  /** Aborted when the limiter's time budget runs out; stores cancel their request with it. */
  readonly signal: AbortSignal | undefined;
  /**
   * The cost the caller asked for: `cost` itself, except above a rule's capacity (then `cost` is 0, and the decision
   * is `exceeds-capacity`). Stores ignore it; a layer that decides without the store (the fallback) reads it.
   */
  readonly asked?: number;
  /**
   * Present when the request settles a decision instead (`asApply` in src/algorithms/adjust.ts built it): every rule
   * of the key moves as `adjustRules` moves it, in one atomic round trip. Its `evaluators` then adjust and allow, with
   * `cost` 1 and `consume`, so a store that runs `applyRules` with them settles as it decides; a store that mirrors
   * the algorithms elsewhere (Lua, another isolate) applies `adjustRules`' mirror. Only a store that declares
   * `"settle"` in its features receives one; its layers pass it on (under a rules array of its own, which the deny cache forgets the
   * key for and prefetching passes to the store).
   */
  readonly adjust?: Settlement;
  /**
   * Sent by a limiter made with `tenants: tenantLimits()`, only to a store whose `features` list `"setLimits"`: the
   * quotas stored with the key apply (`applyRules` does it; a store that decides elsewhere sends the plain
   * `QuotaPlan`, `plan`, adds the code there with `withCode`, and hands the rules it decided with back to
   * `heard`). With `set`, the request stores quotas instead of deciding. `cost` may then exceed a rule's capacity.
   */
  readonly quotas?: StoredQuotas | undefined;
}

/** Leases to give back for one key; the store applies `applyRelease` (or its mirror) atomically. */
export interface ReleaseRequest {
  /** As in `StoreRequest`: the encoded storage key. */
  readonly key: string;
  readonly rules: readonly Rule[];
  /** As in `StoreRequest`. */
  readonly evaluators: readonly Evaluator[];
  readonly leases: readonly Lease[];
  readonly now: number;
  readonly signal: AbortSignal | undefined;
  /** As in `StoreRequest`: `applyRelease` keeps the key alive while it holds live stored quotas. */
  readonly quotas?: StoredQuotas | undefined;
  /**
   * `applyRelease` itself, which the limiter (and a fallback store's release) always pass: a store that releases in
   * this isolate (memory) calls it, so that a bundle holds it only with concurrency rules. Other stores ignore it.
   */
  readonly applyRelease?: (request: ApplyReleaseRequest, stored: KeyState | undefined) => KeyState | undefined;
}

/**
 * A settlement of an earlier decision's cost (`decision.settle`, with `createRateLimiter({ settle: settleCosts() })`),
 * carried by a `StoreRequest` in place of a decision to make.
 */
export interface Settlement {
  /** Whole units, never 0: below 0 gives back, above 0 charges (forced: it may leave a rule over its quota). */
  readonly delta: number;
  /** The settled decision's time (its `now`, the store's clock when it offers one), epoch ms. */
  readonly at: number;
  /** Each rule's adjustment, in the order of `rules` (`undefined`: the rule stays as it is, as concurrency rules do). */
  readonly adjusters: readonly (Adjuster | undefined)[];
}

export interface StoreResponse {
  /** One outcome per rule, in the order of `rules`. */
  readonly outcomes: readonly RuleOutcome[];
  /** The time the store decided at, epoch ms. */
  readonly now: number;
  /**
   * Set by a layer that answered itself (the deny cache, the failure policy or its fallback): the whole decision,
   * which the limiter reports as it is. Stores never set it.
   */
  readonly decision?: Decision;
  /** Store round trips behind this answer, for `onDecision`: 1 when absent, 0 when a layer answered alone. */
  readonly requests?: number;
  /** Time spent in the store call, ms, as a layer measured it (`onDecision`'s `storeLatencyMs`); 0 when absent. */
  readonly latencyMs?: number;
}

/** What `Store.reset` may need beyond the key: the limiter's rules and its clock's time at the reset (epoch ms). */
export interface ResetScope {
  readonly rules: readonly Rule[];
  readonly now: number;
}

/**
 * The contract every store meets (the compliance suite checks it; docs/stores.md says how to write one):
 * reject without consuming, all rules of a key all or nothing, exact under concurrency,
 * the same decisions as `applyRules` in `src/algorithms/`, and an expiry on every key.
 * A store is local (`LocalStore`: decides in this isolate, without I/O) or remote (`RemoteStore` in
 * src/layers/layer.ts: names the layers its calls run under); `createRateLimiter` takes either.
 */
export interface Store {
  /** Short name used in errors and metrics: `memory`, `upstash`, `dynamodb`, `durable-object`. */
  readonly name: string;
  /** The algorithms this store can apply. */
  readonly algorithms: readonly Algorithm[];
  /**
   * The rule features (`shadow()`, `blockFor()`) this store applies, `"setLimits"` when it keeps stored quotas
   * (`StoreRequest.quotas`), and `"settle"` when `apply` settles requests that carry `adjust` (a remote store must, for
   * a limiter with `settle: settleCosts()`; a local store settles through `local.apply` without knowing it). Absent:
   * none; the limiter refuses rules that carry a feature the store lacks, `setLimits` and `settle` on it. A store
   * that runs `applyRules` with the request's evaluators (or `evaluatorsOf`) and the request's `quotas` gets them all.
   */
  readonly features?: readonly StoreFeature[] | undefined;
  apply(request: StoreRequest): Promise<StoreResponse>;
  /** Set by the outermost layer (prefetching) when it can answer some requests with no store call. */
  readonly near?: NearFace;
  /**
   * Deletes all state of a key (the encoded storage key, as in `StoreRequest`). `scope`, which the limiter always
   * passes, names its rules and the time of the reset, for a store whose state also lives under names derived from
   * them (the Upstash store's fixed-window counters); layers pass it on.
   */
  reset(key: string, signal: AbortSignal | undefined, scope?: ResetScope): Promise<void>;
  /**
   * Gives concurrency leases back (stores that list `"concurrency"` implement it). Releasing a lease that is
   * gone (released, expired, never taken) changes nothing, so a release may be retried safely.
   */
  release?(request: ReleaseRequest): Promise<void>;
  /** One cheap request that proves the store answers; used by `limiter.health()`. */
  ping(signal: AbortSignal | undefined): Promise<void>;
}

/**
 * A store that decides without any I/O (memory). The limiter uses its `local` face instead of `apply` and `reset`:
 * synchronously, with no layers and no timer, and with the prefix apart from the key so that no key string is
 * built per decision.
 */
export interface LocalStore extends Store {
  readonly local: LocalFace;
}

/**
 * What a layer answers in this isolate, synchronously, when it can (`undefined`: ask the store); `prefix` is the
 * limiter's, `key` the caller's, as in `LocalFace`. The caller reads the response at once, before it calls `apply`
 * again, so a layer may hand out one object filled anew each time.
 */
export interface NearFace {
  apply(prefix: string, key: string, request: Omit<StoreRequest, "key" | "signal">): StoreResponse | undefined;
}

/** The synchronous face of a store without I/O; `prefix` is the limiter's, `key` the caller's. */
export interface LocalFace {
  apply(prefix: string, key: string, request: Omit<StoreRequest, "key" | "signal">): StoreResponse;
  reset(prefix: string, key: string): void;
  release(prefix: string, key: string, request: Omit<ReleaseRequest, "key" | "signal">): void;
}
