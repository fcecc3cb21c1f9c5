import { applyRelease, applyRules, type KeyState, type RuleOutcome } from "../algorithms/apply.ts";
import type { Rule } from "../rules/types.ts";
import type { ReleaseRequest, StoreRequest } from "../store.ts";

// The DynamoDB store's batch arithmetic, apart from its I/O: a batch of calls on one key replayed with the
// reference algorithms, and the versions its writes carry.

/** One call in a key's batch: a decision, or leases to give back. */
export type Call = StoreRequest | ReleaseRequest;

/** Every rule the calls of a batch name (the first of each name), to read the item's state by. */
export function rulesOf(calls: readonly Call[]): Rule[] {
  const byName = new Map<string, Rule>();
  for (const call of calls) for (const rule of call.rules) if (!byName.has(rule.name)) byName.set(rule.name, rule);
  return [...byName.values()];
}

/** A batch applied in order to `stored`: each decision's outcomes (none for a release) and what it changes. */
export interface Replayed {
  readonly outcomes: (readonly RuleOutcome[] | undefined)[];
  /** The state to write; `undefined` when the batch changes nothing. */
  readonly state: KeyState | undefined;
  /** Some decision was denied. */
  readonly denied: boolean;
  /** Some answer that a cached item cannot vouch for: a release that found nothing, a concurrency denial. */
  readonly unsure: boolean;
  /** Some call is a release or a settlement, which only a whole-state write applies. */
  readonly releases: boolean;
  /** Per call: a decision that consumed (releases count as not). */
  readonly allowed: boolean[];
}

export function replay(calls: readonly Call[], stored: KeyState | undefined): Replayed {
  let state = stored;
  let changed = false;
  let unsure = false;
  let denied = false;
  let releases = false;
  const allowed: boolean[] = [];
  const outcomes = calls.map((call): readonly RuleOutcome[] | undefined => {
    allowed.push(false);
    if ("leases" in call) {
      releases = true;
      const next = applyRelease(call, state);
      if (next) state = next;
      else unsure = true;
      changed ||= next !== undefined;
      return undefined;
    }
    // A settlement (`adjust`) applies like a decision that is always allowed, but only as a whole-state write.
    releases ||= call.adjust !== undefined;
    const applied = applyRules({ ...call, consume: true }, state);
    if (applied.write) {
      state = applied.write;
      changed = true;
      allowed[allowed.length - 1] = true;
    } else {
      denied = true;
      unsure ||= call.rules.some((rule, r) => rule.algorithm === "concurrency" && !applied.outcomes[r]!.allowed);
    }
    return applied.outcomes;
  });
  return { outcomes, state: changed ? state : undefined, denied, unsure, releases, allowed };
}

export function sameNumbers(a: readonly number[], b: readonly number[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((n, i) => n === b[i]);
}

/**
 * The version every write sets (whole-state and arithmetic writes alike): random rather than counted, so that
 * (1) a conditional failure that returns our own version proves an earlier attempt of the same write landed (an
 * SDK retry), and (2) an isolate holding the version of a deleted item (reset, or removed by TTL) cannot
 * overwrite a new item that reached the same number. Arithmetic writes change it too, so a whole-state write
 * computed before one of them fails.
 */
export function newVersion(): number {
  return 1 + Math.floor(Math.random() * 2 ** 52);
}
