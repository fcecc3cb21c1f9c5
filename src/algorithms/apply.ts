import type { Rule } from "../rules/types.ts";
import { releaseLease } from "./concurrency.ts";
import type { Evaluation, RuleState } from "./evaluation.ts";

/** What a store reports for one rule of a decision. */
export interface RuleOutcome {
  readonly allowed: boolean;
  readonly remaining: number;
  readonly resetAt: number;
  readonly retryAfterMs: number;
  /** Concurrency rules, when the request was consumed: the lease it took (it expires at `now + leaseMs`). */
  readonly leaseId?: number;
}

/** One lease to give back: the concurrency rule's name, the lease id and its expiry (epoch ms). */
export interface Lease {
  readonly rule: string;
  readonly id: number;
  readonly expiresAt: number;
}

/** The stored state of one key: each rule's state by rule name, and when all of it may be deleted. */
export interface KeyState {
  readonly rules: Readonly<Record<string, RuleState>>;
  readonly expiresAt: number;
}

/** The result of applying every rule of a key: the outcomes, and the state to write (none when nothing changes). */
export interface Applied {
  readonly outcomes: readonly RuleOutcome[];
  readonly write: KeyState | undefined;
  /** With stored quotas (`request.quotas`): the rules decided with, the quotas in force applied. */
  readonly rules?: readonly Rule[];
}

/**
 * One rule's algorithm, as `StoreRequest.evaluators` carries them (`evaluatorsOf` looks them up by name). `consume`
 * (`limit` rather than `peek`) matters only to a `blockFor()` rule, whose block starts with a consuming call it denies.
 */
export type Evaluator = (
  rule: Rule,
  state: RuleState | undefined,
  cost: number,
  now: number,
  consume?: boolean,
) => Evaluation;

/** What `applyRules` needs of a decision: a `StoreRequest` without its key and signal. */
export interface ApplyRequest {
  readonly rules: readonly Rule[];
  /** `evaluators[i]` runs `rules[i]`: the request's own, or `evaluatorsOf(rules)` for plain rules off the wire. */
  readonly evaluators: readonly Evaluator[];
  /** Whole number ≥ 0. */
  readonly cost: number;
  /** Epoch ms. */
  readonly now: number;
  /** `false`: only look (peek), never write. */
  readonly consume: boolean;
  /** With `tenantLimits()`: the quotas stored with the key apply (`setLimits`; src/quotas.ts has the code). */
  readonly quotas?: StoredQuotas | undefined;
}

/** What `applyRelease` needs: a `ReleaseRequest` without its key and signal. */
export interface ApplyReleaseRequest {
  readonly rules: readonly Rule[];
  /** As in `ApplyRequest`. */
  readonly evaluators: readonly Evaluator[];
  readonly leases: readonly Lease[];
  /** Epoch ms. */
  readonly now: number;
  /** As in `ApplyRequest`: the key's live stored quotas keep it alive. */
  readonly quotas?: StoredQuotas | undefined;
}

/**
 * Applies all rules of one key at once, all or nothing: a request is consumed only when every rule allows
 * it (a `shadow()` rule need not: it then keeps its state) and `consume` is true and the cost is above zero.
 * Otherwise nothing is written (except a `blockFor()` rule's block that a consuming call starts: then every rule's
 * state is written as it stands), and each outcome shows the key as it stands (with `allowed` and `retryAfterMs`
 * still answering for the given cost). `stored` is the
 * key's state as last written (state past its `expiresAt` counts as none). A store in the limiter's isolate
 * passes its `StoreRequest` as it is, whose evaluators hold only the algorithms its rules use.
 */
export function applyRules(request: ApplyRequest, stored: KeyState | undefined): Applied {
  if (request.quotas) return request.quotas.apply(request, stored);
  const { rules, now } = request;
  const evaluations: Evaluation[] = new Array(rules.length);
  const unconsumed = evaluateRules(request, stored, evaluations);
  if (unconsumed) return { outcomes: unconsumed.map(outcome), write: undefined };
  const next: Record<string, RuleState> = {};
  const outcomes: RuleOutcome[] = new Array(rules.length);
  let expiresAt = now;
  for (let i = 0; i < rules.length; i++) {
    const e = evaluations[i]!;
    next[rules[i]!.name] = e.state;
    outcomes[i] = outcome(e);
    if (e.expiresAt > expiresAt) expiresAt = e.expiresAt;
  }
  return { outcomes, write: { rules: next, expiresAt } };
}

/**
 * The first half of `applyRules`, for a store that writes the state itself (the memory store, in place): fills
 * `evaluations` with every rule's evaluation for the cost. When the request is consumed (every rule allows it,
 * `consume`, cost above zero), or a denial starts a block, returns nothing: the caller writes each evaluation's state
 * and reports the evaluations as the outcomes. Otherwise returns the
 * outcomes: the key as it stands, answering for the cost. `stored` is as for `applyRules`.
 */
export function evaluateRules(
  request: ApplyRequest,
  stored: KeyState | undefined,
  evaluations: Evaluation[],
): RuleOutcome[] | undefined {
  const { rules, evaluators, cost, now, consume } = request;
  const states = stored && stored.expiresAt > now ? stored.rules : undefined;
  let allowed: boolean | undefined = true;
  let block: true | undefined;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const e = evaluators[i]!(rule, states?.[rule.name], cost, now, consume);
    // A shadow rule that denies keeps its state: its evaluation's state is the state as it was.
    allowed &&= e.allowed || rule.shadow;
    block ||= e.block;
    evaluations[i] = e;
  }
  if (allowed && consume && cost > 0) return;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const e = evaluations[i]!;
    const asIs = e.allowed && cost > 0 ? evaluators[i]!(rule, states?.[rule.name], 0, now) : e;
    // The key as it stands, answering for the cost. When a block starts, the caller writes these states.
    evaluations[i] = { ...asIs, allowed: e.allowed, retryAfterMs: e.retryAfterMs };
  }
  return block ? undefined : evaluations;
}

function outcome(e: RuleOutcome): RuleOutcome {
  const o = { allowed: e.allowed, remaining: e.remaining, resetAt: e.resetAt, retryAfterMs: e.retryAfterMs };
  return e.leaseId === undefined ? o : { ...o, leaseId: e.leaseId };
}

/**
 * Gives leases back: the key's state without them, or `undefined` when none of them is held any more
 * (already released, expired, or never taken), so releasing twice writes nothing the second time.
 */
export function applyRelease(request: ApplyReleaseRequest, stored: KeyState | undefined): KeyState | undefined {
  const { rules, evaluators, leases, now } = request;
  if (!stored || stored.expiresAt <= now) return undefined;
  const next: Record<string, RuleState> = { ...stored.rules };
  let changed = false;
  // The key's state outlives every lease released here, so its lease ids do not restart from 1 while a
  // handle for one of them (a late duplicate release) could still match a new lease.
  let expiresAt = request.quotas?.last(next, now) ?? now;
  for (const lease of leases) {
    const state = releaseLease(next[lease.rule], lease.id, lease.expiresAt);
    if (state) {
      next[lease.rule] = state;
      changed = true;
      expiresAt = Math.max(expiresAt, lease.expiresAt);
    }
  }
  if (!changed) return undefined;
  rules.forEach((rule, i) => {
    const state = next[rule.name];
    if (state) expiresAt = Math.max(expiresAt, evaluators[i]!(rule, state, 0, now).expiresAt);
  });
  return { rules: next, expiresAt };
}

// Quotas stored with a key by `limiter.setLimits`: the code that applies them is src/quotas.ts.

/** What a store needs to know of stored quotas for one request: plain data, so it crosses an RPC. */
export interface QuotaPlan {
  /**
   * Per rule, in the order of the request's rules: the fields a stored quota of that rule's name sets (`limit`, a
   * bucket's `capacity`, and a gcra `burst` left at its default); none where this call's own `limits` name the rule
   * (a per-call quota wins over a stored one).
   */
  readonly fields: readonly (readonly string[])[];
  /**
   * `setLimits`: the quotas to store by rule name, replacing every stored one (`null`: clears them), for `ttlMs` from
   * the store's `now`. Such a request decides nothing: its outcomes are placeholders.
   */
  readonly set?: { readonly limits: Readonly<Record<string, number>> | null; readonly ttlMs: number } | undefined;
}

/** A `QuotaPlan` with the code that applies it, as `StoreRequest.quotas` carries it to a store. */
export interface StoredQuotas extends QuotaPlan {
  /** The plan alone, plain data: what a store sends over an RPC (the Durable Object adds the code itself). */
  readonly plan: QuotaPlan;
  /** `applyRules` under the quotas stored in `stored`; `rules`: the rules decided with. */
  apply(request: ApplyRequest, stored: KeyState | undefined): Applied & { readonly rules: readonly Rule[] };
  /** The same for a store that writes the state itself (the memory store): sets the state to write at `key`. */
  local<S>(
    request: ApplyRequest,
    stored: KeyState | undefined,
    states: { set(key: string, state: S): void },
    key: string,
  ): { readonly outcomes: readonly RuleOutcome[]; readonly now: number };
  /**
   * Tells the limiter which rules a store elsewhere decided with (the Durable Object sends them back); the stores in
   * this isolate call it themselves.
   */
  heard(rules: readonly Rule[]): void;
  /** `heard` for a store that learns each rule's live stored quota (`quotas[i]`, 0 for none) instead (Upstash). */
  told(rules: readonly Rule[], quotas: readonly number[]): void;
  /** The latest `untilMs` of the live quotas among `states`, or `now`: the least expiry a release may give the key. */
  last(states: KeyState["rules"], now: number): number;
}
