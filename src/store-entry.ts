// `edgelimit/store`: what a store author needs, apart from what applications call (`edgelimit`). A store meets the
// contract in store.ts; docs/stores.md says how to write one and how to run the compliance suite against it.

export { type Adjuster, type ApplyAdjustRequest, adjustersOf, adjustRules, asApply } from "./algorithms/adjust.ts";
export {
  type Applied,
  type ApplyReleaseRequest,
  type ApplyRequest,
  applyRelease,
  applyRules,
  type Evaluator,
  type KeyState,
  type Lease,
  type RuleOutcome,
} from "./algorithms/apply.ts";
export type { Evaluation, RuleState } from "./algorithms/evaluation.ts";
export { evaluatorsOf } from "./algorithms/evaluators.ts";
export type {
  AnyStore,
  Layer,
  LayerContext,
  LayerOptions,
  LayerSettings,
  RemoteStore,
} from "./layers/layer.ts";
export { standardLayers } from "./layers/standard.ts";
export { type QuotaPlan, type StoredQuotas, withCode } from "./quotas.ts";
export { ALGORITHMS } from "./rules/algorithm-list.ts";
export { capacityOf, kindOf, policyOf } from "./rules/lookups.ts";
export type {
  Algorithm,
  ConcurrencyRule,
  FixedWindowRule,
  GcraRule,
  Rule,
  RuleFeature,
  SlidingWindowRule,
  StoreFeature,
  TokenBucketRule,
} from "./rules/types.ts";
export { storageKey } from "./storage-key.ts";
export type {
  LocalFace,
  LocalStore,
  NearFace,
  ReleaseRequest,
  ResetScope,
  Settlement,
  Store,
  StoreRequest,
  StoreResponse,
} from "./store.ts";
