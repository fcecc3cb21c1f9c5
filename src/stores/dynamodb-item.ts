import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { KeyState } from "../algorithms/apply.ts";
import type { RuleState } from "../algorithms/evaluation.ts";
import type { Rule } from "../rules/types.ts";

/**
 * The item of one key. Fixed attributes:
 * - `pk` (S): the encoded storage key (escaped prefix, `:`, key), hashed past 256 bytes by `storageKey()`;
 * - `version` (N): a random token set by every write; whole-state writes are conditional on the one they read;
 * - `expiresAtMs` (N): epoch ms from which the state counts as absent (checked on every read);
 * - `expiresAt` (N): the TTL attribute, epoch **seconds**, the first whole second after `expiresAtMs`, so
 *   DynamoDB's TTL (which deletes late, often hours late) never deletes state that still counts.
 *
 * Rule state is flat, one top-level attribute per number that DynamoDB arithmetic has to move on its own:
 * - `w:<rule>` (N): a fixed or sliding window rule's current window start (epoch ms);
 * - `n:<windowStart>:<rule>` (N): that rule's count in the window starting then; a fixed window keeps the current
 *   window's, a sliding window the current and the previous one's. The window start is in the NAME, so a new
 *   window's counter starts from nothing (`if_not_exists`) in the same write that counts into it;
 * - `s:<rule>` (L of N): any other rule's state list (token bucket `[tokens, refilledAt]`, GCRA, leases);
 * - `s:\<rule>` (L of N): a quota stored by `setLimits`, `[quota, untilMs]` (src/quotas.ts); a limiter with
 *   `tenants` reads and keeps these, and its whole-state writes remove the ones it no longer keeps.
 */
export const ATTRIBUTES = Object.freeze({
  key: "pk",
  version: "version",
  expiresAtMs: "expiresAtMs",
  ttl: "expiresAt",
});

const FIXED = new Set<string>(Object.values(ATTRIBUTES));
/** The mark of a stored quota's entry in a key's state (`QUOTA_MARK` of src/quotas.ts), and of its attribute. */
const QUOTA_MARK = "\\";
const QUOTA_PREFIX = `s:${QUOTA_MARK}`;

/** The attribute holding a window rule's current window start. */
export const windowName = (rule: string): string => `w:${rule}`;
/** The attribute holding a window rule's count in the window starting at `start` (epoch ms). */
export const countName = (rule: string, start: number): string => `n:${start}:${rule}`;
/** The attribute holding any other rule's state list. */
export const stateName = (rule: string): string => `s:${rule}`;

const COUNT = /^n:(-?\d+):(.*)$/s;

/** The rule an attribute belongs to, and for a counter its window start; `undefined` for the fixed attributes. */
export function ownerOf(name: string): { rule: string; start?: number } | undefined {
  if (FIXED.has(name)) return undefined;
  const count = COUNT.exec(name);
  if (count) return { rule: count[2]!, start: Number(count[1]) };
  return { rule: name.startsWith("w:") || name.startsWith("s:") ? name.slice(2) : name };
}

export type RawItem = Record<string, AttributeValue>;

/** An item as last seen: its version, the key's state (which may have expired; `applyRules` checks), its raw form. */
export interface Item {
  readonly version: number;
  readonly state: KeyState;
  readonly raw: RawItem;
}

/**
 * Whether a rule's state is kept as window counters (`w:` and `n:` attributes) rather than one list; a `blockFor()`
 * rule's state carries its block too, so it is a list.
 */
export const counted = (rule: Rule): boolean =>
  (rule.algorithm === "fixedWindow" || rule.algorithm === "slidingWindow") && !rule.blockMs;

/** The TTL value for state that counts as absent from `expiresAtMs` on: epoch seconds, rounded up past it. */
export function ttlSeconds(expiresAtMs: number): number {
  return Math.floor(expiresAtMs / 1000) + 1;
}

const n = (value: number): AttributeValue => ({ N: String(value) });

/** The rule attributes of `state` (the rules in `rules` only), as a whole-state write sets them. */
export function encodeRules(state: KeyState, rules: readonly Rule[]): RawItem {
  const out: RawItem = {};
  for (const name in state.rules) {
    if (name.startsWith(QUOTA_MARK)) out[stateName(name)] = { L: state.rules[name]!.map(n) };
  }
  for (const rule of rules) {
    const s = state.rules[rule.name];
    if (s === undefined) continue;
    if (!counted(rule)) {
      out[stateName(rule.name)] = { L: s.map(n) };
      continue;
    }
    out[windowName(rule.name)] = n(s[0]!);
    out[countName(rule.name, s[0]!)] = n(s[1]!);
    if (rule.algorithm === "slidingWindow" && s[2]! > 0) out[countName(rule.name, s[0]! - rule.windowMs)] = n(s[2]!);
  }
  return out;
}

/**
 * Reads an item written by this store as the reference state of `rules` (attributes of other rules are left
 * out). Returns `undefined` for no item; throws a plain `Error` naming the attribute for an item this store
 * did not write (the caller wraps it in a `StoreError`).
 */
export function decodeItem(raw: RawItem | undefined, rules: readonly Rule[]): Item | undefined {
  if (raw === undefined) return undefined;
  const version = number(raw[ATTRIBUTES.version], ATTRIBUTES.version);
  const expiresAt = number(raw[ATTRIBUTES.expiresAtMs], ATTRIBUTES.expiresAtMs);
  const states: Record<string, RuleState> = {};
  for (const rule of rules) {
    if (!counted(rule)) {
      const name = stateName(rule.name);
      const list = raw[name];
      if (list === undefined) continue;
      if (list.L === undefined) throw new Error(`attribute "${name}" is not a list`);
      states[rule.name] = list.L.map((v, i) => number(v, `${name}[${i}]`));
      continue;
    }
    const name = windowName(rule.name);
    if (raw[name] === undefined) continue;
    const start = number(raw[name], name);
    const count = (at: number) => {
      const c = countName(rule.name, at);
      return raw[c] === undefined ? 0 : number(raw[c], c);
    };
    states[rule.name] =
      rule.algorithm === "slidingWindow" ? [start, count(start), count(start - rule.windowMs)] : [start, count(start)];
  }
  for (const name in raw) {
    if (!name.startsWith(QUOTA_PREFIX)) continue;
    const list = raw[name]!.L;
    if (list === undefined) throw new Error(`attribute "${name}" is not a list`);
    states[name.slice(2)] = list.map((v, i) => number(v, `${name}[${i}]`));
  }
  return { version, state: { rules: states, expiresAt }, raw };
}

function number(value: AttributeValue | undefined, name: string): number {
  const v = value?.N === undefined ? Number.NaN : Number(value.N);
  if (!Number.isSafeInteger(v)) throw new Error(`attribute "${name}" is not a whole number`);
  return v;
}

/**
 * The input of `CreateTable` for a limiter table: partition key `pk` (string), no sort key, on-demand
 * billing. Send it once from a setup script (`client.send(new CreateTableCommand(createTableInput("rl")))`),
 * then `timeToLiveInput`; the limiter itself never calls the control plane.
 */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: ATTRIBUTES.key, AttributeType: "S" as const }],
    KeySchema: [{ AttributeName: ATTRIBUTES.key, KeyType: "HASH" as const }],
    BillingMode: "PAY_PER_REQUEST" as const,
  };
}

/** The input of `UpdateTimeToLive` that makes DynamoDB delete idle keys: TTL on `expiresAt` (epoch seconds). */
export function timeToLiveInput(tableName: string) {
  return {
    TableName: tableName,
    TimeToLiveSpecification: { AttributeName: ATTRIBUTES.ttl, Enabled: true },
  };
}
