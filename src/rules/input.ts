import type { Evaluation, RuleState } from "../algorithms/evaluation.ts";
import type { LeaseCodec } from "../leases.ts";
import type { Algorithm, Rule, RuleFeature, StoreFeature } from "./types.ts";

/** What a rule constructor returns: the options as given, checked by `createRateLimiter`. */
export interface RuleInput {
  readonly algorithm: Algorithm;
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * How to check, describe and run this kind of rule. The input carries it so that a bundle holds only the
   * algorithms whose constructors it calls.
   */
  readonly kind: RuleKind;
}

/** A rule as an IETF RateLimit policy: quota `quota` per window `windowMs`. */
export interface Policy {
  readonly quota: number;
  readonly windowMs: number;
  /** A `shadow()` rule's policy: reported, never enforced, never in headers. */
  readonly shadow?: true;
}

/** Reads one option; a bad value is recorded as a problem and read as 1, so checking goes on. */
export type OptionReader = (option: string, fallback?: number) => number;

/**
 * Everything the core knows of one algorithm, apart from the store that keeps its state. The functions are declared
 * as methods on purpose: TypeScript checks method parameters bivariantly, so a `RuleKind<GcraRule>` is a `RuleKind`
 * without a cast (as function-typed properties they would not be, and `RuleInput.kind` would need one).
 */
export interface RuleKind<R extends Rule = Rule> {
  /** The options its constructor accepts, besides `name`. */
  readonly options: readonly string[];
  /**
   * The rule's numbers from its options: `count` reads whole numbers, `duration` milliseconds. `store` is the
   * limiter's, when the rule is checked for one (a wrapped rule checks that it applies the wrapper's feature).
   */
  build(
    count: OptionReader,
    duration: OptionReader,
    problem: (text: string) => void,
    store?: RuleStore,
  ): Omit<R, "name" | "algorithm">;
  /** The policy name used when the options give none. */
  defaultName(rule: R): string;
  /** The most one request may cost; a larger cost is denied as `"exceeds-capacity"`. */
  capacity(rule: R): number;
  policy(rule: R): Policy;
  /** The algorithm itself (`src/algorithms/`). */
  evaluate(rule: R, state: RuleState | undefined, cost: number, now: number, consume?: boolean): Evaluation;
  /** Concurrency rules: how a decision's leases become one string and back. */
  readonly leases?: LeaseCodec;
  /** A rule wrapped by `shadow()` or `blockFor()`: which of them (a rule takes one at most). */
  readonly feature?: RuleFeature;
}

/** What a rule's check reads of the limiter's store: its name and the features it declares (`Store.features`). */
export interface RuleStore {
  readonly name: string;
  readonly features?: readonly StoreFeature[] | undefined;
}
