import { DeleteItemCommand, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { applyRules, type KeyState } from "../algorithms/apply.ts";
import { StoreError } from "../errors.ts";
import type { Store, StoreRequest, StoreResponse } from "../store.ts";
import { SeenItems } from "./dynamodb-cache.ts";
import { isConditionFailure, storeError } from "./dynamodb-errors.ts";
import { ATTRIBUTES, decodeItem, encodeState, type Item } from "./dynamodb-item.ts";
import { type DynamoDbStoreOptions, resolveOptions, type SendOptions } from "./dynamodb-options.ts";
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
  // Decisions on one key within this isolate run one after another: a conflict the isolate can foresee
  // costs no failed write, and each decision starts from the item the previous one wrote.
  const queues = new Map<string, Promise<void>>();
  async function serialized<T>(pk: string, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    const previous = queues.get(pk) ?? Promise.resolve();
    const result = previous.then(() => {
      // A caller that gave up while queued must not consume: the limiter has already answered it.
      signal?.throwIfAborted();
      return run();
    });
    const tail = result.then(
      () => {},
      () => {},
    );
    queues.set(pk, tail);
    try {
      return await result;
    } finally {
      if (queues.get(pk) === tail) queues.delete(pk);
    }
  }

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
    return serialized(pk, signal, () => consume(pk, request));
  }

  async function consume(pk: string, request: StoreRequest): Promise<StoreResponse> {
    const { rules, cost, now, signal } = request;
    const cached = seen.get(pk);
    let item = cached?.item;
    // Whether `item` came from DynamoDB during this decision (or recently enough to trust a denial from it).
    let confirmed = cached === undefined || now - cached.seenAt < config.confirmDenialsAfterMs;
    if (cached === undefined && config.coldKey === "read") item = await read(pk, now, signal);
    for (let attempt = 1; ; attempt++) {
      const { outcomes, write: next } = applyRules(rules, item?.state, cost, now, true);
      if (next === undefined) {
        if (confirmed || item === undefined) return { outcomes, now };
        item = await read(pk, now, signal);
        confirmed = true;
        continue;
      }
      try {
        const version = await write(pk, next, item, signal);
        seen.set(pk, { version, state: next }, now);
        return { outcomes, now };
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

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    function abort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}
