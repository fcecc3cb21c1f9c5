import type { RuleInfo } from "./decision.ts";
import { describe } from "./describe.ts";
import { type Duration, parseDuration } from "./duration.ts";
import { ConfigError, StoreError } from "./errors.ts";
import { type QuotaPlan, withCode } from "./quotas.ts";
import type { RuleInput } from "./rules/input.ts";
import type { Rule } from "./rules/types.ts";
import { normalizeRule } from "./rules/validation.ts";
import type { LocalStore, Store, StoreRequest } from "./store.ts";

/** A store request before its key and signal, as the limiter builds it; `infos` with a call's own quotas. */
export type Asked = Omit<StoreRequest, "key" | "signal"> & {
  readonly asked: number;
  readonly infos?: readonly RuleInfo[];
};

/**
 * How the limiter turns a call's key and options (`LimitOptions`) into a store request (`consume`: `limit` rather
 * than `peek`). Not typed with `LimitOptions` itself: this file must not import the limiter, which imports it.
 */
export type RequestBuilder = (key: string, options: object | undefined, consume: boolean) => Asked;

/** Options of `limiter.setLimits`. */
export interface SetLimitsOptions {
  /** How long the quotas stay stored, from the store's clock now (default `"30d"`; 1 ms to 10 years). */
  ttl?: Duration;
}

/** `limiter.setLimits` (`TenantRateLimiter` in src/limiter.ts). */
export type SetLimits = (
  key: string,
  limits: Readonly<Record<string, number>> | null,
  options?: SetLimitsOptions,
) => Promise<void>;

/**
 * Made by `tenantLimits()`, taken by `createRateLimiter({ tenants })`: wraps the limiter's own request builder (which
 * takes only `cost`) in one that also reads `limits` and sends the code that applies stored quotas, and brings
 * `setLimits` as a property of it (`io`: the limiter's remote store under its layers, absent for a local store;
 * `fullKey`: a caller's key as the store names it). The limiter
 * carries only this call, so a Worker that does not import `tenantLimits` bundles none of this code.
 */
export type TenantLimits = (
  own: RequestBuilder,
  options: { readonly rules: readonly RuleInput[]; readonly store: Store },
  config: { readonly rules: readonly Rule[]; readonly prefix: string },
  infosOf: (rules: readonly Rule[]) => readonly RuleInfo[],
  io: Store | undefined,
  fullKey: (key: string) => string,
) => RequestBuilder & { readonly setLimits?: SetLimits };

/** The default `ttl` of `setLimits`: 30 days; and its largest: 10 years (of 365 days). */
const DEFAULT_TTL_MS = 30 * 86_400_000;
const MAX_TTL_MS = 10 * 365 * 86_400_000;

const OPTIONS = ["cost", "limits"];

/**
 * `tenants: tenantLimits()`: lets `limit`, `peek` and `acquire` take `limits: { [ruleName]: quota }`, this call's
 * quota for the named rules (a token bucket's `capacity`, every other rule's `limit`). Each is applied as if the rule
 * had been written with it and checked as its constructor checks it; its other options stay (a gcra `burst` left at
 * its default follows the quota, an explicit one stays; a bucket's `refillRate` must not exceed it). Rules keep their
 * names, and so their state. Without `tenants`, `limits` is rejected as an unknown option. It also gives the limiter
 * `setLimits(key, quotas | null, { ttl })` (default ttl 30 days): quotas stored with the key, which every limiter with
 * `tenants` applies on its next decision, on a store whose `features` list `"setLimits"`. See docs/tenants.md.
 */
export function tenantLimits(): TenantLimits {
  return (own, options, config, infosOf, io, fullKey) => {
    const { rules, prefix } = config;
    const { rules: inputs, store } = options;
    const names = rules.map((rule) => rule.name);
    const { local } = store as Partial<LocalStore>;
    // Only a store that declares it keeps quotas gets them (`StoreRequest.quotas`); on another, calls are decided as
    // without stored quotas, and `setLimits` rejects.
    const keeps = store.features?.includes("setLimits") === true;
    // Every request with stored quotas carries rules other than the limiter's own array, which tells each layer that
    // other quotas may decide it: the deny cache neither answers nor remembers it, prefetching does not claim for it.
    const quoted = [...rules];

    /** Per rule, the fields a stored quota sets; none for the rules `named` by a call's own `limits`. */
    function fieldsFor(named: Readonly<Record<string, unknown>>): string[][] {
      return rules.map((rule, i) => {
        if (Object.hasOwn(named, rule.name) && named[rule.name] !== undefined) return [];
        const input = inputs[i]!;
        // A gcra burst left at its default follows the quota, as it follows a written `limit`.
        const field = input.kind.options[0]!;
        return rule.algorithm === "gcra" && input.options.burst === undefined ? [field, "burst"] : [field];
      });
    }
    const ownFields = fieldsFor({});
    const infos = infosOf(rules);

    /** The rules a call's `limits` make: the limiter's own array itself when they name no rule. */
    function rulesFor(limits: unknown): readonly Rule[] {
      if (typeof limits !== "object" || limits === null) {
        throw new ConfigError([`limits: expected an object, got ${describe(limits)}`]);
      }
      const given = limits as Readonly<Record<string, unknown>>;
      const problems = Object.keys(given)
        .filter((name) => !names.includes(name))
        .map((name) => `limits: unknown "${name}"; use ${names.join(", ")}`);
      let named = false;
      const called = rules.map((rule, i) => {
        // Own keys only: a rule named "toString" must not read Object.prototype's. `undefined` names no quota.
        const quota = Object.hasOwn(given, rule.name) ? given[rule.name] : undefined;
        if (quota === undefined) return rule;
        named = true;
        const input = inputs[i]!;
        // The quota is the constructor's first option. The name stays, even a default one made from the old quota.
        const options = { ...input.options, [input.kind.options[0]!]: quota, name: rule.name };
        return normalizeRule({ ...input, options }, `limits.${rule.name}`, problems) ?? rule;
      });
      if (problems.length > 0) throw new ConfigError(problems);
      return named ? called : rules;
    }

    const request: RequestBuilder = (key, options, consume) => {
      for (const name in options) {
        if (!OPTIONS.includes(name)) throw new ConfigError([`options: unknown "${name}"; use ${OPTIONS.join(", ")}`]);
      }
      const { limits, ...rest } = (options ?? {}) as { limits?: unknown };
      const asked = own(key, rest, consume);
      const called = limits === undefined ? rules : rulesFor(limits);
      if (keeps)
        return withStored(
          asked,
          called,
          limits === undefined ? ownFields : fieldsFor(limits as Record<string, unknown>),
          consume,
        );
      if (called === rules) return asked;
      // A new rules array tells every layer that this call brings its own quotas (the deny cache, prefetching and
      // the fallback store treat it apart); its infos are what the decision reports.
      const infos = infosOf(called);
      const fits = asked.asked <= Math.min(...infos.map((info) => info.capacity));
      return { ...asked, rules: called, infos, cost: fits ? asked.asked : 0, consume: consume && fits };
    };

    /**
     * A request under the quotas stored with the key: asked with the whole cost (only the store knows the quotas in
     * force), and with the code that applies them, which reports the rules in force to this call's answer (its
     * `infos`, and a cost above their capacity as `cost` 0: exceeds-capacity), as the limiter reads it.
     */
    function withStored(asked: Asked, called: readonly Rule[], fields: QuotaPlan["fields"], consume: boolean): Asked {
      // The limiter's own clamp (a cost above its rules' capacity) is undone: the quotas in force decide.
      const plain = called === rules;
      const out = {
        ...asked,
        rules: plain ? quoted : called,
        cost: asked.asked,
        consume,
        infos: plain ? infos : infosOf(called),
      };
      const answer = out as { infos?: readonly RuleInfo[]; cost: number };
      const heard = (inForce: readonly Rule[]) => {
        const current = infosOf(inForce);
        answer.infos = current;
        answer.cost = asked.asked <= Math.min(...current.map((info) => info.capacity)) ? asked.asked : 0;
      };
      return Object.assign(out, { quotas: withCode({ fields }, heard) });
    }

    const setLimits: SetLimits = async (key, limits, setOptions) => {
      const { ttl, ...unknown } = setOptions ?? {};
      const problems = Object.keys(unknown).map((name) => `setLimits: unknown option "${name}"; use ttl`);
      const ttlMs = parseDuration(ttl ?? DEFAULT_TTL_MS);
      if (typeof ttlMs === "string") problems.push(`setLimits: ttl: ${ttlMs}`);
      else if (ttlMs < 1 || ttlMs > MAX_TTL_MS)
        problems.push(`setLimits: ttl must be from 1ms to 10 years, got ${ttlMs}`);
      if (!keeps) {
        problems.push(
          `setLimits: the ${store.name} store does not keep quotas (its features do not list "setLimits"); ` +
            "use the memory, Durable Object (full) or DynamoDB store, Upstash with quotas: upstashQuotas, " +
            "or pass limits with each call",
        );
      }
      if (limits !== null) {
        try {
          rulesFor(limits);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          problems.push(...error.problems.map((p) => `setLimits: ${p}`));
        }
      }
      // The key is checked as a call's is, and the request takes the limiter's rules and clock.
      const asked = own(key, undefined, true);
      if (problems.length > 0) throw new ConfigError(problems);
      const given = Object.fromEntries(Object.entries(limits ?? {}).filter(([, quota]) => quota !== undefined));
      const set = { limits: limits && given, ttlMs: ttlMs as number };
      // Sent as a decision (cost 1, consuming, so that every store writes), which stores the quotas instead.
      const sent = { ...asked, rules: quoted, cost: 1, consume: true, quotas: withCode({ fields: ownFields, set }) };
      const response = local
        ? local.apply(prefix, key, sent)
        : await io!.apply({ ...sent, key: fullKey(key), signal: undefined });
      if (response.decision) {
        throw new StoreError(
          store.name,
          `setLimits: the store did not answer (${response.decision.reason}), so the quotas of "${key}" may not be ` +
            "stored; call setLimits again",
        );
      }
    };
    return Object.assign(request, { setLimits });
  };
}
