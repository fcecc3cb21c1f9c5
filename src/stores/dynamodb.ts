import { DeleteItemCommand, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { applyRules, type KeyState } from "../algorithms/apply.ts";
import { StoreError } from "../errors.ts";
import type { Store, StoreRequest, StoreResponse } from "../store.ts";
import { SeenItems } from "./dynamodb-cache.ts";
import { isConditionFailure, storeError } from "./dynamodb-errors.ts";
import { ATTRIBUTES, decodeItem, encodeState, type Item } from "./dynamodb-item.ts";
import { type DynamoDbStoreOptions, resolveOptions, type SendOptions } from "./dynamodb-options.ts";
import { batchPerKey } from "./key-batches.ts";
import { sleep, untilAllAbort } from "./signals.ts";
import { storageKey } from "./storage-key.ts";

export { ATTRIBUTES, createTableInput, timeToLiveInput } from "./dynamodb-item.ts";
export type { DynamoDbClient, DynamoDbStoreOptions } from "./dynamodb-options.ts";

const ALGORITHMS = Object.freeze(["fixedWindow", "slidingWindow", "tokenBucket", "gcra"] as const);
/** A key no limiter key can be (limiter keys never start with NUL and a prefix), read by `ping`. */
const PING_KEY = "\u0000edgelimit:ping";

/**
 * A store on one DynamoDB table: one item per key holding every rule's state, written with a conditional
 * `UpdateItem` on its `version`. A lost write returns the current item (`ReturnValuesOnConditionCheckFailure:
 * ALL_OLD`), so the retry recomputes without a read. A warm, uncontended allowed decision is 1 write; a denial
 * writes nothing. No control-plane calls. Needs dynamodb:GetItem, dynamodb:UpdateItem, dynamodb:DeleteItem.
 */
export function dynamoDbStore(options: DynamoDbStoreOptions): Store {
  const config = resolveOptions(options);
  const { client, tableName } = config;
  const seen = new SeenItems(config.cacheSize);
  // Decisions on one key within this isolate are batched: while one write is in flight, the next calls
  // wait and then go in one write together, so an isolate never loses a conditional write to itself.
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
    const version = previous ? previous.version + 1 : firstVersion();
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
    await send(() => client.send(command, signalOf(signal)));
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
    const { rules, cost, now, signal } = request;
    const pk = await storageKey(request.key);
    if (!request.consume || cost === 0) {
      // Looking never writes; it reads, so that what it shows includes other isolates' writes.
      const item = await read(pk, now, signal);
      return { outcomes: applyRules(rules, item?.state, cost, now, false).outcomes, now };
    }
    return consumeBatch(pk, request);
  }

  /**
   * Decides a batch of calls on one key, in order, as if one after another, and writes the result once.
   * A denial needs no write; it is final when computed from an item read (or written) during this batch, or
   * from a cached item seen less than `confirmDenialsAfterMs` ago; otherwise the item is read once first.
   */
  async function consume(pk: string, requests: StoreRequest[]): Promise<PromiseSettledResult<StoreResponse>[]> {
    const results: PromiseSettledResult<StoreResponse>[] = [];
    const now = Math.max(...requests.map((r) => r.now));
    const signal = untilAllAbort(requests.map((r) => r.signal));
    const cached = seen.get(pk);
    let item = cached?.item;
    let confirmed = cached === undefined || now - cached.seenAt < config.confirmDenialsAfterMs;
    if (cached === undefined && config.coldKey === "read") item = await read(pk, now, signal);
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
      const outcomes = open.map((i) => {
        const { rules, cost, now } = requests[i]!;
        const applied = applyRules(rules, state, cost, now, true);
        if (applied.write) {
          state = applied.write;
          changed = true;
        }
        return applied.outcomes;
      });
      const settle = () => {
        open.forEach((i, j) => {
          results[i] = { status: "fulfilled", value: { outcomes: outcomes[j]!, now: requests[i]!.now } };
        });
        return results;
      };
      if (!changed || state === undefined) {
        if (confirmed || item === undefined) return settle();
        item = await read(pk, now, signal);
        confirmed = true;
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
        confirmed = true;
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
    algorithms: ALGORITHMS,
    apply,
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

/**
 * The version of a new item: random, so that an isolate holding the version of a deleted item (reset, or
 * removed by TTL) cannot overwrite a new item that happens to have reached the same version.
 */
function firstVersion(): number {
  return 1 + Math.floor(Math.random() * 2 ** 40);
}
