import { type AttributeValue, DeleteItemCommand, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { applyRules, type KeyState, type RuleOutcome } from "../algorithms/apply.ts";
import { StoreError, toStoreError } from "../errors.ts";
import type { RemoteStore } from "../layers/layer.ts";
import { standardLayers } from "../layers/standard.ts";
import type { Rule } from "../rules/types.ts";
import { sleep } from "../sleep.ts";
import { storageKey } from "../storage-key.ts";
import type { ReleaseRequest, StoreRequest, StoreResponse } from "../store.ts";
import { type ArithmeticPlan, beforePlan, planArithmetic } from "./dynamodb-arithmetic.ts";
import { SeenItems } from "./dynamodb-cache.ts";
import { dynamoDbMessage, isConditionFailure } from "./dynamodb-errors.ts";
import { ATTRIBUTES, decodeItem, encodeRules, type Item, ownerOf, type RawItem, ttlSeconds } from "./dynamodb-item.ts";
import { type DynamoDbStoreOptions, resolveOptions, type SendOptions } from "./dynamodb-options.ts";
import { type Call, newVersion, replay, rulesOf, sameNumbers } from "./dynamodb-replay.ts";
import { batchPerKey } from "./key-batches.ts";
import { untilAllAbort } from "./signals.ts";

export { ATTRIBUTES, createTableInput, timeToLiveInput } from "./dynamodb-item.ts";
export type { DynamoDbClient, DynamoDbStoreOptions } from "./dynamodb-options.ts";

const ALGORITHMS = Object.freeze(["fixedWindow", "slidingWindow", "tokenBucket", "gcra", "concurrency"] as const);
/** A name no storage key can take (an encoded prefix never starts with a backslash and a letter), read by `ping`. */
const PING_KEY = "\\ping";

/**
 * A store on one DynamoDB table: one item per key holding every rule's state (layout: `dynamodb-item.ts`).
 * Counter steps, a new key and a window roll-over included, are arithmetic conditional `UpdateItem`s that
 * DynamoDB applies from many isolates at once; other transitions are written whole under the item's `version`.
 * A lost write returns the current item (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), so the retry
 * recomputes without a read. An allowed decision is 1 write; a denial writes nothing. No control-plane calls.
 * Needs dynamodb:GetItem, dynamodb:UpdateItem, dynamodb:DeleteItem.
 *
 * Concurrency leases live in the same item: a release is a read-modify-write under the same version check
 * (1 write when this isolate's cached item holds the lease; otherwise 1 strongly consistent read first; no
 * write when the lease is gone). A denial by a concurrency rule is never answered from the cache: a release
 * elsewhere may have freed a slot, so it is always computed from an item read or written in its batch.
 */
export function dynamoDbStore(options: DynamoDbStoreOptions): RemoteStore {
  const config = resolveOptions(options);
  const { client, tableName } = config;
  const seen = new SeenItems(config.cacheSize);
  // Decisions on one key within this isolate are batched: while one write is in flight, the next calls
  // wait and then go in one write together, so an isolate never loses a conditional write to itself.
  // Releases join the same per-key batches, so they never race this isolate's own writes either.
  const consumeBatch = batchPerKey(consume, (call: Call) => call.signal);
  const send = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      throw toStoreError("dynamodb", error, dynamoDbMessage(error, tableName));
    }
  };
  const signalOf = (signal: AbortSignal | undefined): SendOptions => (signal ? { abortSignal: signal } : {});

  /** A strongly consistent read of the item, remembered as seen at `now`. */
  async function read(
    pk: string,
    now: number,
    rules: readonly Rule[],
    signal: AbortSignal | undefined,
  ): Promise<Item | undefined> {
    const command = new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true });
    const output = await send(() => client.send(command, signalOf(signal)));
    const item = decode(output.Item, pk, rules);
    seen.set(pk, item?.raw, now);
    return item;
  }

  /**
   * Writes `state` whole if the item is still `previous` (or still absent), setting its version to `token`, and
   * removes every rule attribute of `previous` the new state does not hold; returns the item written.
   * The SDK retries a request lost in transit: if an earlier attempt of this very write landed, the retry's
   * condition fails and the item it returns carries our own token, so the write is done, not to be redone.
   */
  async function write(
    pk: string,
    state: KeyState,
    rules: readonly Rule[],
    previous: Item | undefined,
    token: number,
    signal: AbortSignal | undefined,
  ): Promise<RawItem> {
    const attributes = encodeRules(state, rules);
    const names: Record<string, string> = { "#version": ATTRIBUTES.version };
    const values: Record<string, AttributeValue> = { ":version": { N: String(token) } };
    const sets = ["#version = :version"];
    const fixed = {
      [ATTRIBUTES.expiresAtMs]: { N: String(state.expiresAt) },
      [ATTRIBUTES.ttl]: { N: String(ttlSeconds(state.expiresAt)) },
    };
    for (const [i, [name, value]] of Object.entries({ ...fixed, ...attributes }).entries()) {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
    }
    const gone = Object.keys(previous?.raw ?? {}).filter((name) => ownerOf(name) && !(name in attributes));
    gone.forEach((name, i) => {
      names[`#r${i}`] = name;
    });
    if (previous) values[":seen"] = { N: String(previous.version) };
    const command = new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: { S: pk } },
      UpdateExpression: `SET ${sets.join(", ")}${gone.length > 0 ? ` REMOVE ${gone.map((_, i) => `#r${i}`).join(", ")}` : ""}`,
      ConditionExpression: previous ? "#version = :seen" : "attribute_not_exists(pk)",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
    const written = { pk: { S: pk }, ...fixed, ...attributes, [ATTRIBUTES.version]: { N: String(token) } };
    try {
      await send(() => client.send(command, signalOf(signal)));
    } catch (error) {
      if (ownItem(error, pk, token, rules)) return written;
      throw error;
    }
    return written;
  }

  /** Applies an arithmetic plan; returns the item it produced (from `ALL_NEW`, or from the item of a landed retry). */
  async function writeArithmetic(
    pk: string,
    plan: ArithmeticPlan,
    rules: readonly Rule[],
    token: number,
    signal: AbortSignal | undefined,
  ): Promise<Item> {
    const command = new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: { S: pk } },
      ...plan.input,
      ReturnValues: "ALL_NEW",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
    let output: { Attributes?: RawItem | undefined };
    try {
      output = await send(() => client.send(command, signalOf(signal)));
    } catch (error) {
      const landed = ownItem(error, pk, token, rules);
      if (landed) return landed;
      throw error;
    }
    const item = decode(output.Attributes, pk, rules);
    if (item === undefined) throw new StoreError("dynamodb", `item "${pk}" missing from an update's answer`);
    return item;
  }

  /** The item a failed conditional write returned, when it carries `token`: an earlier attempt of it landed. */
  function ownItem(error: unknown, pk: string, token: number, rules: readonly Rule[]): Item | undefined {
    if (!isConditionFailure(error) || !error.Item) return undefined;
    const current = decode(error.Item as RawItem, pk, rules);
    return current?.version === token ? current : undefined;
  }

  function decode(raw: RawItem | undefined, pk: string, rules: readonly Rule[]): Item | undefined {
    try {
      return decodeItem(raw, rules);
    } catch (error) {
      throw new StoreError("dynamodb", `item "${pk}" in table "${tableName}" was not written by edgelimit`, {
        cause: error,
      });
    }
  }

  async function apply(request: StoreRequest): Promise<StoreResponse> {
    const { rules, cost, now, signal } = request;
    const pk = await storageKey(request.key);
    if (!request.consume || cost === 0) {
      // Looking never writes; it reads, so that what it shows includes other isolates' writes.
      const item = await read(pk, now, rules, signal);
      return { outcomes: applyRules({ ...request, consume: false }, item?.state).outcomes, now };
    }
    return consumeBatch(pk, request) as Promise<StoreResponse>;
  }

  async function release(request: ReleaseRequest): Promise<void> {
    // Even a lease past its expiry goes to the batch: releasing it may end the key's life early (as
    // `applyRelease` does), which decides whether the next lease id restarts at 1.
    await consumeBatch(await storageKey(request.key), request);
  }

  /**
   * Decides a batch of calls on one key (decisions and releases), in order, as if one after another, and
   * writes the result once. When every call is an allowed decision and every rule's transition is a counter
   * step, the write is arithmetic (`planArithmetic`): other isolates' arithmetic writes do not make it fail,
   * and the answers are recomputed from the item it returns. Otherwise the whole state is written under the
   * item's `version` (a roll-over, a refill, GCRA, leases, a batch with a denial), and a successful write proves
   * the answers current. Without a write, answers are final only when computed from an item read (or returned
   * by a failed write) during this batch; a cached item is trusted for rate denials only when seen less than
   * `confirmDenialsAfterMs` ago (default 0: never). Otherwise the item is read once and the batch recomputed.
   */
  async function consume(pk: string, requests: Call[]): Promise<PromiseSettledResult<StoreResponse | undefined>[]> {
    const results: PromiseSettledResult<StoreResponse | undefined>[] = [];
    const now = Math.max(...requests.map((r) => r.now));
    const signal = untilAllAbort(requests.map((r) => r.signal));
    const rules = rulesOf(requests);
    const cached = seen.get(pk);
    let item = cached && decode(cached.raw, pk, rules);
    let fresh = false;
    const recent = cached !== undefined && now - cached.seenAt < config.confirmDenialsAfterMs;
    if (cached === undefined && config.coldKey === "read") {
      item = await read(pk, now, rules, signal);
      fresh = true;
    }
    // Under stored quotas (`tenants`) no item seen is not proof of no quota: its denials are confirmed by a read, and
    // its writes are whole-state, whose version check proves the quotas decided with are still the stored ones.
    const quoted = requests.some((call) => (call as StoreRequest).quotas);
    let open = requests.map((_, i) => i);
    for (let attempt = 1; ; attempt++) {
      // A caller that gave up has had its answer from the limiter already: it must not consume.
      open = open.filter((i) => {
        const gaveUp = requests[i]!.signal;
        if (gaveUp?.aborted) results[i] = { status: "rejected", reason: gaveUp.reason };
        return !gaveUp?.aborted;
      });
      if (open.length === 0) return results;
      const calls = open.map((i) => requests[i]!);
      const local = replay(calls, item?.state);
      const settle = (outcomes: readonly (readonly RuleOutcome[] | undefined)[]) => {
        open.forEach((i, j) => {
          const value = outcomes[j] && { outcomes: outcomes[j], now: requests[i]!.now };
          results[i] = { status: "fulfilled", value };
        });
        return results;
      };
      if (local.state === undefined) {
        // With no item cached, a denial cannot come from the cache; a release that found nothing can.
        const trusted = fresh || (!local.unsure && (recent || !local.denied || (item === undefined && !quoted)));
        if (trusted) return settle(local.outcomes);
        item = await read(pk, now, rules, signal);
        fresh = true;
        continue;
      }
      const token = newVersion();
      const plan =
        local.releases || quoted ? undefined : planArithmetic(calls as StoreRequest[], item, local.allowed, token);
      try {
        if (plan) {
          const after = await writeArithmetic(pk, plan, rules, token, signal);
          seen.set(pk, after.raw, now);
          return settle(answersFrom(pk, calls, local.allowed, after, plan));
        }
        seen.set(pk, await write(pk, local.state, rules, item, token, signal), now);
        return settle(local.outcomes);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another writer got there first (or the item exists, or a reset deleted it): its item is current.
        item = decode(error.Item as RawItem | undefined, pk, rules);
        seen.set(pk, item?.raw, now);
        fresh = true;
      }
      if (attempt >= config.maxAttempts) {
        throw new StoreError(
          "dynamodb",
          `contention on key "${pk}": ${attempt} conditional writes in a row lost to other writers; ` +
            "raise maxAttempts or spread the load over more keys",
        );
      }
      // A lost arithmetic write usually lost to a roll-over or refill, after which it can apply at once.
      if (plan === undefined || attempt > 1) await backoff(attempt, signal);
    }
  }

  /**
   * The answers of an arithmetic write: the batch replayed from the state the write was applied to, which
   * must lead to the state it produced (the condition guarantees it; anything else is a bug, not an answer).
   */
  function answersFrom(
    pk: string,
    calls: readonly Call[],
    planned: readonly boolean[],
    after: Item,
    plan: ArithmeticPlan,
  ) {
    const exact = replay(calls, beforePlan(after.state, plan));
    const landed =
      exact.allowed.every((a, i) => a === planned[i]) &&
      exact.state !== undefined &&
      Object.entries(exact.state.rules).every(([name, state]) => sameNumbers(state, after.state.rules[name]));
    if (!landed) {
      throw new StoreError("dynamodb", `item "${pk}" does not match the arithmetic write just applied to it`);
    }
    return exact.outcomes;
  }

  function backoff(attempt: number, signal: AbortSignal | undefined): Promise<void> {
    const ceiling = Math.min(config.backoffCapMs, config.backoffBaseMs * 2 ** (attempt - 1));
    return sleep(Math.random() * ceiling, signal);
  }

  return Object.freeze({
    name: "dynamodb",
    layers: standardLayers,
    algorithms: ALGORITHMS,
    // A settlement (`request.adjust`) joins the key's batch and writes the whole state under the item's version.
    features: Object.freeze(["shadow", "blockFor", "setLimits", "settle"] as const),
    apply,
    release,
    async reset(key: string, signal: AbortSignal | undefined) {
      const pk = await storageKey(key);
      seen.delete(pk);
      const command = new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: pk } } });
      await send(() => client.send(command, signalOf(signal)));
      seen.delete(pk);
    },
    async ping(signal: AbortSignal | undefined) {
      const command = new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: PING_KEY } },
        ProjectionExpression: "pk",
      });
      await send(() => client.send(command, signalOf(signal)));
    },
  });
}
