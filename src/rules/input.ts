import type { Evaluation, RuleState } from "../algorithms/evaluation.ts";
import type { LeaseCodec } from "../leases.ts";
import type { Algorithm, Rule } from "./types.ts";

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
  /** The rule's numbers from its options: `count` reads whole numbers, `duration` milliseconds. */
  build(count: OptionReader, duration: OptionReader, problem: (text: string) => void): Omit<R, "name" | "algorithm">;
  /** The policy name used when the options give none. */
  defaultName(rule: R): string;
  /** The most one request may cost; a larger cost is denied as `"exceeds-capacity"`. */
  capacity(rule: R): number;
  policy(rule: R): Policy;
  /** The algorithm itself (`src/algorithms/`). */
  evaluate(rule: R, state: RuleState | undefined, cost: number, now: number): Evaluation;
  /** Concurrency rules: how a decision's leases become one string and back. */
  readonly leases?: LeaseCodec;
}
