import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { KeyState } from "../algorithms/apply.ts";
import type { RuleState } from "../algorithms/evaluation.ts";

/**
 * The item of one key:
 * - `pk` (S): the encoded storage key (escaped prefix, `:`, key), hashed past 256 bytes by `storageKey()`;
 * - `rules` (M): each rule's state by rule name, a list of whole numbers (`{ "per-minute": [1732233600000, 7] }`);
 * - `version` (N): bumped by every write; writes are conditional on the version they computed from;
 * - `expiresAtMs` (N): epoch ms from which the state counts as absent (checked on every read);
 * - `expiresAt` (N): the TTL attribute, epoch **seconds**, the first whole second after `expiresAtMs`, so
 *   DynamoDB's TTL (which deletes late, often hours late) never deletes state that still counts.
 */
export const ATTRIBUTES = Object.freeze({
  key: "pk",
  rules: "rules",
  version: "version",
  expiresAtMs: "expiresAtMs",
  ttl: "expiresAt",
});

/** An item as last seen: its version and the key's state (which may have expired; `applyRules` checks). */
export interface Item {
  readonly version: number;
  readonly state: KeyState;
}

/** The TTL value for state that counts as absent from `expiresAtMs` on: epoch seconds, rounded up past it. */
export function ttlSeconds(expiresAtMs: number): number {
  return Math.floor(expiresAtMs / 1000) + 1;
}

/** The attribute values of a write (everything except `pk`). */
export function encodeState(state: KeyState): Record<string, AttributeValue> {
  const rules: Record<string, AttributeValue> = {};
  for (const [name, numbers] of Object.entries(state.rules)) {
    rules[name] = { L: numbers.map((n) => ({ N: String(n) })) };
  }
  return {
    ":rules": { M: rules },
    ":expiresAtMs": { N: String(state.expiresAt) },
    ":ttl": { N: String(ttlSeconds(state.expiresAt)) },
  };
}

/**
 * Reads an item written by this store. Returns `undefined` for no item; throws a plain `Error` naming the
 * attribute for an item this store did not write (the caller wraps it in a `StoreError`).
 */
export function decodeItem(item: Record<string, AttributeValue> | undefined): Item | undefined {
  if (item === undefined) return undefined;
  const version = number(item[ATTRIBUTES.version], ATTRIBUTES.version);
  const expiresAt = number(item[ATTRIBUTES.expiresAtMs], ATTRIBUTES.expiresAtMs);
  const map = item[ATTRIBUTES.rules]?.M;
  if (map === undefined) throw new Error(`attribute "${ATTRIBUTES.rules}" is not a map`);
  const rules: Record<string, RuleState> = {};
  for (const [name, value] of Object.entries(map)) {
    if (value.L === undefined) throw new Error(`attribute "${ATTRIBUTES.rules}.${name}" is not a list`);
    rules[name] = value.L.map((n, i) => number(n, `${ATTRIBUTES.rules}.${name}[${i}]`));
  }
  return { version, state: { rules, expiresAt } };
}

function number(value: AttributeValue | undefined, name: string): number {
  const n = value?.N === undefined ? Number.NaN : Number(value.N);
  if (!Number.isSafeInteger(n)) throw new Error(`attribute "${name}" is not a whole number`);
  return n;
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
