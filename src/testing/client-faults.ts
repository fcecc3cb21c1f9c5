// Faults below a store, in the clients the HTTP stores accept, for what only happens there: Redis losing its
// script cache (NOSCRIPT) and DynamoDB losing conditional-write races. Typed by shape: no SDK is imported.

/** The calls of an `@upstash/redis` client that `upstashStore({ redis })` makes. */
export interface ScriptClient {
  evalsha(sha1: string, keys: string[], args: string[]): Promise<unknown>;
  eval(script: string, keys: string[], args: string[]): Promise<unknown>;
}

/** An Upstash client wrapped by `scriptCacheFaults`. */
export type ScriptCacheFaults<C extends ScriptClient> = C & {
  /** Forgets every loaded script, as `SCRIPT FLUSH` or a Redis restart does: EVALSHA answers NOSCRIPT until EVAL. */
  flushScripts(): void;
  /** EVALSHA calls answered with NOSCRIPT so far. */
  readonly noscripts: number;
};

/**
 * Wraps an `@upstash/redis` client (for `upstashStore({ redis })`) so that a test can flush its script cache:
 * after `flushScripts()`, EVALSHA of a script rejects with `NOSCRIPT No matching script. Please use EVAL.` until
 * an EVAL of that script has run (which loads it), as Redis does. Until the first flush, calls go straight through.
 */
export function scriptCacheFaults<C extends ScriptClient>(client: C): ScriptCacheFaults<C> {
  let flushed = false;
  const loaded = new Set<string>();
  let noscripts = 0;
  const sha1 = async (text: string) => {
    const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  };
  return extend(client, {
    async evalsha(sha: string, keys: string[], args: string[]) {
      if (flushed && !loaded.has(sha.toLowerCase())) {
        noscripts++;
        throw new Error("NOSCRIPT No matching script. Please use EVAL.");
      }
      return client.evalsha(sha, keys, args);
    },
    async eval(script: string, keys: string[], args: string[]) {
      const result = await client.eval(script, keys, args);
      if (flushed) loaded.add(await sha1(script));
      return result;
    },
    flushScripts() {
      flushed = true;
      loaded.clear();
    },
    get noscripts() {
      return noscripts;
    },
  });
}

/** The part of a `DynamoDBClient` this wrapper needs: `send(command, { abortSignal })`. */
export interface SendClient {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** A DynamoDB client wrapped by `writeConflicts`. */
export type WriteConflicts<C extends SendClient> = C & {
  /** The next `count` conditional writes fail as lost races (default 1). */
  lose(count?: number): void;
  /** Conditional writes failed so far. */
  readonly conflicts: number;
};

/**
 * Wraps a `DynamoDBClient` (for `dynamoDbStore({ client })`) so that a test can make conditional writes lose,
 * as when another isolate wrote the same key first: after `lose(n)`, the next n commands that carry a
 * `ConditionExpression` reject with `ConditionalCheckFailedException`, carrying the current item (read with
 * `GetItemCommand`, consistent) as DynamoDB does with `ReturnValuesOnConditionCheckFailure: "ALL_OLD"`.
 * Pass the SDK's `GetItemCommand` class, so that this module depends on no SDK.
 */
export function writeConflicts<C extends SendClient>(
  client: C,
  GetItemCommand: new (input: never) => object,
): WriteConflicts<C> {
  // The SDK's class, called with what a GetItem needs; typed loosely so that this module depends on no SDK.
  const Get = GetItemCommand as unknown as new (input: {
    TableName: unknown;
    Key: unknown;
    ConsistentRead: boolean;
  }) => object;
  let pending = 0;
  let conflicts = 0;
  const send = client.send.bind(client) as (command: object, options?: object) => Promise<unknown>;
  return extend(client, {
    async send(
      command: { input?: { ConditionExpression?: string; TableName?: unknown; Key?: unknown } },
      options = {},
    ) {
      const input = command.input;
      if (pending === 0 || !input?.ConditionExpression) return send(command, options);
      pending--;
      conflicts++;
      const read = new Get({ TableName: input.TableName, Key: input.Key, ConsistentRead: true });
      const { Item } = (await send(read, options)) as { Item?: unknown };
      const error = Object.assign(new Error("The conditional request failed"), {
        name: "ConditionalCheckFailedException",
        ...(Item ? { Item } : {}),
      });
      throw error;
    },
    lose(count = 1) {
      if (!(Number.isInteger(count) && count >= 1)) {
        throw new RangeError(`[edgelimit] [testing] lose(count) needs a whole count >= 1, got ${count}`);
      }
      pending += count;
    },
    get conflicts() {
      return conflicts;
    },
  });
}

/** `client` with `extra` on top (getters kept as getters, unlike Object.assign); the rest is the client's own. */
function extend<C extends object, E extends object>(client: C, extra: E): C & E {
  return Object.create(client, Object.getOwnPropertyDescriptors(extra)) as C & E;
}
