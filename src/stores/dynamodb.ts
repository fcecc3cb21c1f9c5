import { DeleteItemCommand, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { applyRelease, applyRules, type KeyState, type RuleOutcome } from "../algorithms/apply.ts";
import { StoreError } from "../errors.ts";
import { ioGuard } from "../resilience/guard.ts";
import type { ReleaseRequest, Store, StoreRequest, StoreResponse } from "../store.ts";
import { SeenItems } from "./dynamodb-cache.ts";
import { isConditionFailure, storeError } from "./dynamodb-errors.ts";
import { ATTRIBUTES, decodeItem, encodeState, type Item } from "./dynamodb-item.ts";
import { type DynamoDbStoreOptions, resolveOptions, type SendOptions } from "./dynamodb-options.ts";
import { batchPerKey } from "./key-batches.ts";
import { sleep, untilAllAbort } from "./signals.ts";
import { storageKey } from "./storage-key.ts";

export { ATTRIBUTES, createTableInput, timeToLiveInput } from "./dynamodb-item.ts";
export type { DynamoDbClient, DynamoDbStoreOptions } from "./dynamodb-options.ts";

const ALGORITHMS = Object.freeze(["fixedWindow", "slidingWindow", "tokenBucket", "gcra", "concurrency"] as const);
/** A key no limiter key can be (limiter keys never start with NUL and a prefix), read by `ping`. */
const PING_KEY = "\u0000edgelimit:ping";

/**
 * A store on one DynamoDB table: one item per key holding every rule's state, written with a conditional
 * `UpdateItem` on its `version`. A lost write returns the current item (`ReturnValuesOnConditionCheckFailure:
 * ALL_OLD`), so the retry recomputes without a read. A warm, uncontended allowed decision is 1 write; a denial
 * writes nothing. No control-plane calls. Needs dynamodb:GetItem, dynamodb:UpdateItem, dynamodb:DeleteItem.
 *
 * Concurrency leases live in the same item: a release is a read-modify-write under the same version check
 * (1 write when this isolate's cached item holds the lease; otherwise 1 strongly consistent read first; no
 * write when the lease is gone). A denial by a concurrency rule is never answered from the cache: a release
 * elsewhere may have freed a slot, so it is always computed from an item read or written in its batch.
 */
export function dynamoDbStore(options: DynamoDbStoreOptions): Store {
  const config = resolveOptions(options);
  const { client, tableName } = config;
  const seen = new SeenItems(config.cacheSize);
  // Decisions on one key within this isolate are batched: while one write is in flight, the next calls
  // wait and then go in one write together, so an isolate never loses a conditional write to itself.
  // Releases join the same per-key batches, so they never race this isolate's own writes either.
  const consumeBatch = batchPerKey(consume);
  const send = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      throw storeError(error, tableName);
    }
  };
  const signalOf = (signal: AbortSignal | undefined): SendOptions => (signal ? { abortSignal: signal } : {});

  /** A strongly consistent read of the item, remembered as seen at `now`. */
  async function read(pk: string, now: number, signal: AbortSignal | undefined): Promise<Item | undefined> {
    const command = new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true });
    const output = await send(() => client.send(command, signalOf(signal)));
    const item = decode(output.Item, pk);
    seen.set(pk, item, now);
    return item;
  }

  /** Writes `state` if the item is still `previous` (or still absent); returns the new version. */
  async function write(pk: string, state: KeyState, previous: Item | undefined, signal: AbortSignal | undefined) {
    const version = newVersion();
    const command = new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: { S: pk } },
      UpdateExpression: "SET #rules = :rules, #version = :version, #expiresAtMs = :expiresAtMs, #ttl = :ttl",
      ConditionExpression: previous ? "#version = :seen" : "attribute_not_exists(pk)",
      ExpressionAttributeNames: {
        "#rules": ATTRIBUTES.rules,
        "#version": ATTRIBUTES.version,
        "#expiresAtMs": ATTRIBUTES.expiresAtMs,
        "#ttl": ATTRIBUTES.ttl,
      },
      ExpressionAttributeValues: {
        ...encodeState(state),
        ":version": { N: String(version) },
        ...(previous ? { ":seen": { N: String(previous.version) } } : {}),
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
    try {
      await send(() => client.send(command, signalOf(signal)));
    } catch (error) {
      // The SDK retries a request lost in transit. If an earlier attempt of this very write landed, the retry's
      // condition fails and the item it returns carries our own version: the write is done, not to be redone.
      const current =
        isConditionFailure(error) && error.Item
          ? decode(error.Item as Parameters<typeof decodeItem>[0], pk)
          : undefined;
      if (current?.version === version) return version;
      throw error;
    }
    return version;
  }

  function decode(raw: Parameters<typeof decodeItem>[0], pk: string): Item | undefined {
    try {
      return decodeItem(raw);
    } catch (error) {
      throw new StoreError("dynamodb", `item "${pk}" in table "${tableName}" was not written by edgelimit`, {
        cause: error,
      });
    }
  }

  async function apply(request: StoreRequest): Promise<StoreResponse> {
    const { cost, now, signal } = request;
    const pk = await storageKey(request.key);
    if (!request.consume || cost === 0) {
      // Looking never writes; it reads, so that what it shows includes other isolates' writes.
      const item = await read(pk, now, signal);
      return { outcomes: applyRules({ ...request, consume: false }, item?.state).outcomes, now };
    }
    return consumeBatch(pk, request) as Promise<StoreResponse>;
  }

  async function release(request: ReleaseRequest): Promise<void> {
    // A lease past its expiry is free already: nothing to send.
    const leases = request.leases.filter((lease) => lease.expiresAt > request.now);
    if (leases.length === 0) return;
    await consumeBatch(await storageKey(request.key), { ...request, leases });
  }

  /**
   * Decides a batch of calls on one key (decisions and releases), in order, as if one after another, and
   * writes the result once; a successful conditional write proves every answer of the batch current. Without
   * a write, the answers are final when computed from an item read (or returned by a write) during this
   * batch; a cached item is trusted only for rate denials, and only when seen less than `confirmDenialsAfterMs`
   * ago. Otherwise the item is read once and the batch recomputed.
   */
  async function consume(pk: string, requests: Call[]): Promise<PromiseSettledResult<StoreResponse | undefined>[]> {
    const results: PromiseSettledResult<StoreResponse | undefined>[] = [];
    const now = Math.max(...requests.map((r) => r.now));
    const signal = untilAllAbort(requests.map((r) => r.signal));
    const cached = seen.get(pk);
    let item = cached?.item;
    let fresh = false;
    const recent = cached !== undefined && now - cached.seenAt < config.confirmDenialsAfterMs;
    if (cached === undefined && config.coldKey === "read") {
      item = await read(pk, now, signal);
      fresh = true;
    }
    let open = requests.map((_, i) => i);
    for (let attempt = 1; ; attempt++) {
      // A caller that gave up has had its answer from the limiter already: it must not consume.
      open = open.filter((i) => {
        const gaveUp = requests[i]!.signal;
        if (gaveUp?.aborted) results[i] = { status: "rejected", reason: gaveUp.reason };
        return !gaveUp?.aborted;
      });
      if (open.length === 0) return results;
      let state = item?.state;
      let changed = false;
      // Answers that a cached item cannot vouch for: a release that found nothing, a concurrency denial.
      let unsure = false;
      let denied = false;
      const outcomes = open.map((i): readonly RuleOutcome[] | undefined => {
        const call = requests[i]!;
        if ("leases" in call) {
          const next = applyRelease(call, state);
          if (next) state = next;
          else unsure = true;
          changed ||= next !== undefined;
          return undefined;
        }
        const applied = applyRules({ ...call, consume: true }, state);
        if (applied.write) {
          state = applied.write;
          changed = true;
        } else {
          denied = true;
          unsure ||= call.rules.some((rule, r) => rule.algorithm === "concurrency" && !applied.outcomes[r]!.allowed);
        }
        return applied.outcomes;
      });
      const settle = () => {
        open.forEach((i, j) => {
          const value = outcomes[j] && { outcomes: outcomes[j], now: requests[i]!.now };
          results[i] = { status: "fulfilled", value };
        });
        return results;
      };
      if (!changed || state === undefined) {
        // With no item cached, a denial cannot come from the cache; a release that found nothing can.
        const trusted = fresh || (!unsure && (recent || !denied || item === undefined));
        if (trusted) return settle();
        item = await read(pk, now, signal);
        fresh = true;
        continue;
      }
      try {
        const version = await write(pk, state, item, signal);
        seen.set(pk, { version, state }, now);
        return settle();
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another writer got there first (or the item exists, or a reset deleted it): its item is current.
        item = decode(error.Item as Parameters<typeof decodeItem>[0], pk);
        seen.set(pk, item, now);
        fresh = true;
      }
      if (attempt >= config.maxAttempts) {
        throw new StoreError(
          "dynamodb",
          `contention on key "${pk}": ${attempt} conditional writes in a row lost to other writers; ` +
            "raise maxAttempts or spread the load over more keys",
        );
      }
      await backoff(attempt, signal);
    }
  }

  function backoff(attempt: number, signal: AbortSignal | undefined): Promise<void> {
    const ceiling = Math.min(config.backoffCapMs, config.backoffBaseMs * 2 ** (attempt - 1));
    return sleep(Math.random() * ceiling, signal);
  }

  return Object.freeze({
    name: "dynamodb",
    guard: ioGuard,
    algorithms: ALGORITHMS,
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

/** One call in a key's batch: a decision, or leases to give back. */
type Call = StoreRequest | ReleaseRequest;

/**
 * The version every write sets: random rather than counted, so that (1) a conditional failure that returns our
 * own version proves an earlier attempt of the same write landed (an SDK retry), and (2) an isolate holding the
 * version of a deleted item (reset, or removed by TTL) cannot overwrite a new item that reached the same number.
 */
function newVersion(): number {
  return 1 + Math.floor(Math.random() * 2 ** 52);
}
