import type { RuleOutcome } from "../algorithms/apply.ts";
import { ConfigError, StoreError, toStoreError } from "../errors.ts";
import type { RemoteStore } from "../layers/layer.ts";
import { standardLayers } from "../layers/standard.ts";
import { ALGORITHMS } from "../rules/algorithm-list.ts";
import type { Rule } from "../rules/types.ts";
import { storageKey } from "../storage-key.ts";
import type { ReleaseRequest, ResetScope, StoreRequest, StoreResponse } from "../store.ts";
import type { UpstashQuotas } from "./upstash-quotas.ts";
import { UPSTASH_SCRIPT, UPSTASH_SCRIPT_SHA1 } from "./upstash-script.ts";
import type { UpstashSettle } from "./upstash-settle.ts";

export { type UpstashQuotas, upstashQuotas } from "./upstash-quotas.ts";
export { type UpstashSettle, upstashSettle } from "./upstash-settle.ts";

/** The part of an `@upstash/redis` client this store uses; no dependency on the package itself. */
export interface UpstashRedisClient {
  evalsha(sha1: string, keys: string[], args: string[]): Promise<unknown>;
  eval(script: string, keys: string[], args: string[]): Promise<unknown>;
  del(...keys: string[]): Promise<unknown>;
  ping(): Promise<unknown>;
}

interface CommonOptions {
  /**
   * `upstashSettle` (from `edgelimit/upstash`): lets a limiter with `settle: settleCosts()` settle decisions on this
   * store (docs/settle.md). Without it the store cannot settle, and a Worker ships none of the settle script.
   */
  settle?: UpstashSettle;
  /**
   * `upstashQuotas` (from `edgelimit/upstash`): lets the store keep quotas stored with a key (`limiter.setLimits` with
   * `tenants: tenantLimits()`, docs/tenants.md). Without it `setLimits` is refused, and a Worker ships none of its Lua.
   */
  quotas?: UpstashQuotas;
  /**
   * Whose clock decides: `"caller"` (default) uses the limiter's `now`; `"redis"` uses Redis `TIME`, so edge
   * locations with skewed clocks share one time (costs one more billed command per decision).
   */
  clock?: "caller" | "redis";
}

export interface UpstashRestOptions extends CommonOptions {
  /** The database's REST URL, `UPSTASH_REDIS_REST_URL` (e.g. `https://eu1-example.upstash.io`). */
  url: string;
  /** The REST token, `UPSTASH_REDIS_REST_TOKEN`. */
  token: string;
  /** The `fetch` to use (default: the global one, looked up on each call). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

export interface UpstashClientOptions extends CommonOptions {
  /** An `@upstash/redis` client (`new Redis({ url, token })` or `Redis.fromEnv()`). */
  redis: UpstashRedisClient;
}

export type UpstashStoreOptions = UpstashRestOptions | UpstashClientOptions;

/**
 * Added to every `PX`: a caller whose clock runs behind still finds state the Lua treats as live. Redis counts `PX`
 * in real time while the Lua decides at the caller's `now`, so this assumes callers' clocks agree within this
 * margin; beyond it, state written by a caller ahead vanishes early for one behind (`clock: "redis"` avoids it).
 */
const EXPIRY_MARGIN_MS = 1000;
const NAME = "upstash";

/**
 * Upstash Redis over its REST API: one `EVALSHA` per decision (one HTTP request), all rules of a key applied
 * atomically by a pinned Lua script; `EVAL` only when Redis answers `NOSCRIPT`. Billed commands: 3 per
 * allowed decision (`EVALSHA`, `GET`, `SET PX`), 2 per denied one or peek, for any number of rules on a key.
 * Fixed windows alone keep a counter per rule instead (docs/upstash.md): 2 per decision with one rule (`EVALSHA`,
 * `BITFIELD`), allowed or denied, plus a `SET PX` on a window's first write; one `BITFIELD` more per extra rule.
 * A release of concurrency leases is one `EVALSHA` too: 3 commands when it frees a lease, 2 when none matched.
 * A reset is one `DEL` (of the key and the counters of the limiter's fixed-window rules).
 * `{ url, token }` speaks REST with plain `fetch`; `{ redis }` goes through an `@upstash/redis` client.
 */
export function upstashStore(options: UpstashStoreOptions): RemoteStore {
  const clock = options?.clock ?? "caller";
  const problems: string[] = [];
  if (clock !== "caller" && clock !== "redis") problems.push(`upstashStore: clock must be "caller" or "redis"`);
  const client = "redis" in (options ?? {}) ? checkClient(options as UpstashClientOptions, problems) : undefined;
  const rest = client ? undefined : restClient(options as UpstashRestOptions, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const redis = (client ?? rest) as Commands;
  // With `settle: upstashSettle`, the script that also settles (it decides as the plain one does); with `quotas`, the
  // script with its quota pieces (upstash-quotas.ts).
  const { settle, quotas } = options ?? {};
  const { script: lua = UPSTASH_SCRIPT, sha1 = UPSTASH_SCRIPT_SHA1 } = quotas?.script(settle) ?? settle ?? {};

  async function script(keys: string[], args: string[], signal: AbortSignal | undefined): Promise<unknown> {
    try {
      return await redis.script("evalsha", sha1, keys, args, signal);
    } catch (error) {
      if (!String(error).includes("NOSCRIPT")) throw error;
      return redis.script("eval", lua, keys, args, signal);
    }
  }

  /**
   * One EVALSHA on the request's key: ARGV[2] `first`, ARGV[3] `mode`, the margin, each rule's five, then `extra`, as
   * strings. KEYS: the key's storage name, then with fixed windows alone each rule's counter (upstash-script.ts).
   */
  const run = (
    { key, rules, now, signal }: StoreRequest | ReleaseRequest,
    first: number,
    mode: string | number,
    extra: (string | number)[] = [],
  ) =>
    call(async () => {
      const argv = [
        clock === "redis" ? "redis" : now,
        first,
        mode,
        EXPIRY_MARGIN_MS,
        ...rules.flatMap(ruleArgs),
        ...extra,
      ];
      const keys = [await storageKey(key)];
      // Plain fixed windows alone (every algorithm code 1: no shadow or blocking rule, no lease after them): a counter
      // per rule and window, so a decision is one BITFIELD each (upstash-script.ts).
      if (argv.every((arg, i) => i % 5 !== 4 || arg === 1)) {
        for (const rule of rules) keys.push(counterKey(keys[0]!, rule));
      }
      return script(keys, argv.map(String), signal);
    });

  return Object.freeze({
    name: NAME,
    layers: standardLayers,
    algorithms: ALGORITHMS,
    // `"setLimits"` with `quotas`, `"settle"` with `settle`: each brings the Lua it needs.
    features: (quotas?.features ?? (["shadow", "blockFor"] as const)).concat(settle ? "settle" : []),
    async apply(request: StoreRequest): Promise<StoreResponse> {
      const { adjust } = request;
      if (request.quotas) return quotas!.apply(request, run, decode);
      // ARGV[3]: "1" consume, "0" peek; a settlement's time for the settle mode (upstash-settle.ts).
      const mode = adjust?.at ?? (request.consume ? "1" : "0");
      return decode(await run(request, adjust?.delta ?? request.cost, mode), request.rules.length);
    },
    async release(request: ReleaseRequest): Promise<void> {
      const { leases } = request;
      if (leases.length === 0) return;
      const held = leases.flatMap((l) => [l.rule, l.id, l.expiresAt]);
      const result = await run(request, leases.length, "2", held);
      if (result !== 0 && result !== 1) throw unexpected(result);
    },
    async reset(key: string, signal: AbortSignal | undefined, scope?: ResetScope) {
      const keys = [await storageKey(key)];
      for (const rule of scope?.rules ?? [])
        if (rule.algorithm === "fixedWindow") keys.push(counterKey(keys[0]!, rule));
      await call(() => redis.del(keys, signal));
    },
    async ping(signal: AbortSignal | undefined) {
      await call(() => redis.ping(signal));
    },
  });
}

interface Commands {
  /** `EVALSHA sha1 …` or `EVAL script …` (`text`). */
  script(
    command: "evalsha" | "eval",
    text: string,
    keys: string[],
    args: string[],
    signal: AbortSignal | undefined,
  ): Promise<unknown>;
  del(keys: string[], signal: AbortSignal | undefined): Promise<unknown>;
  ping(signal: AbortSignal | undefined): Promise<unknown>;
}

function checkClient(options: UpstashClientOptions, problems: string[]): Commands | undefined {
  const { redis } = options;
  // Typed as a client, but it comes from the caller's code, which may pass anything.
  const missing = (["evalsha", "eval", "del", "ping"] as const).filter((m) => typeof redis?.[m] !== "function");
  if (missing.length > 0) {
    problems.push(`upstashStore: redis must be an @upstash/redis client (missing ${missing.join(", ")})`);
    return undefined;
  }
  if ("url" in options || "token" in options) problems.push("upstashStore: pass either { redis } or { url, token }");
  // The client takes no per-call signal; the limiter's timeout still answers in time.
  return {
    script: (command, text, keys, args) => redis[command](text, keys, args),
    del: (keys) => redis.del(...keys),
    ping: () => redis.ping(),
  };
}

function restClient(options: UpstashRestOptions, problems: string[]): Commands | undefined {
  const { url, token } = options ?? ({} as UpstashRestOptions);
  if (typeof url !== "string" || !/^https?:\/\/[^\s/?#]+/.test(url)) {
    problems.push(
      "upstashStore: url must be the database's REST URL (UPSTASH_REDIS_REST_URL), e.g. https://…upstash.io",
    );
  }
  if (typeof token !== "string" || token === "") {
    problems.push("upstashStore: token must be the REST token (UPSTASH_REDIS_REST_TOKEN)");
  }
  if (problems.length > 0) return undefined;
  const endpoint = url.replace(/\/+$/, "");
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const command = (body: (string | number)[], signal: AbortSignal | undefined) =>
    restCommand(send, endpoint, token, body, signal);
  return {
    script: (name, text, keys, args, signal) =>
      command([name.toUpperCase(), text, keys.length, ...keys, ...args], signal),
    del: (keys, signal) => command(["DEL", ...keys], signal),
    ping: (signal) => command(["PING"], signal),
  };
}

/** One command over `POST {url}/`: `{"result": …}` on success, `{"error": "…"}` with a 4xx/5xx otherwise. */
async function restCommand(
  send: NonNullable<UpstashRestOptions["fetch"]>,
  endpoint: string,
  token: string,
  body: (string | number)[],
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const init: RequestInit = {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  };
  if (signal) init.signal = signal;
  let response: Response;
  let text: string;
  try {
    response = await send(endpoint, init);
    text = await response.text();
  } catch (cause) {
    if (signal?.aborted) throw signal.reason;
    throw new StoreError(NAME, `could not reach ${endpoint}: check UPSTASH_REDIS_REST_URL and the network`, { cause });
  }
  const cause = new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  if (response.status === 401 || response.status === 403) {
    throw new StoreError(NAME, `the token was refused (HTTP ${response.status}): check UPSTASH_REDIS_REST_TOKEN`, {
      cause,
    });
  }
  let parsed: { result?: unknown; error?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StoreError(NAME, `answered HTTP ${response.status} with a body that is not JSON`, { cause });
  }
  if (typeof parsed?.error === "string") {
    if (parsed.error.startsWith("NOSCRIPT")) throw new Error(parsed.error);
    throw new StoreError(NAME, `Redis answered an error (HTTP ${response.status}): ${parsed.error}`, { cause });
  }
  if (!response.ok || parsed === null || typeof parsed !== "object" || !("result" in parsed)) {
    throw new StoreError(NAME, `answered HTTP ${response.status} without a result`, { cause });
  }
  return parsed.result;
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toStoreError(NAME, error);
  }
}

/**
 * The Redis key of a fixed-window rule's counter (upstash-script.ts): `\!`, the rule's name, `"`, the key's storage
 * name. No storage name starts with `\!` (storage-key.ts) and no rule name holds a `"`, so each (key, rule) has its own.
 */
const counterKey = (stored: string, rule: Rule) => `\\!${rule.name}"${stored}`;

/**
 * A rule's five script arguments (ARGV per rule in upstash-script.ts); `args` makes them strings. The algorithm's
 * code carries the rule's feature: + 8 for shadow, + 16 × blockMs for blockFor.
 */
function ruleArgs(rule: Rule): (string | number)[] {
  // The script's algorithm codes are ALGORITHMS' order, from 1 (SCRIPT_ALGORITHMS, which a test compares), plus 8
  // for a shadow rule or 16 × blockMs for a blocking one.
  const code = ALGORITHMS.indexOf(rule.algorithm) + 1 + (rule.shadow ? 8 : 16 * (rule.blockMs ?? 0));
  return [code, rule.name, ...scriptNumbers(rule)];
}

/**
 * A rule's three numbers, as the script reads them (ARGV per rule in upstash-script.ts): fixedWindow and slidingWindow
 * `limit, windowMs, 0`; tokenBucket `capacity, refillRate, intervalMs`; gcra `limit, periodMs, burst`; concurrency
 * `limit, leaseMs, 0`. Each rule type has only its own fields, so the first present one is the rule's.
 */
function scriptNumbers(rule: Rule): number[] {
  const r = rule as unknown as Partial<Record<string, number>>;
  return [r.limit ?? r.capacity!, r.windowMs ?? r.refillRate ?? r.periodMs ?? r.leaseMs!, r.intervalMs ?? r.burst ?? 0];
}

const unexpected = (result: unknown) =>
  new StoreError(NAME, `unexpected script result ${JSON.stringify(result)?.slice(0, 200)}`, { cause: result });

/**
 * The script's reply: `[now, allowed, remaining, resetAt, retryAfterMs (-1 = never), leaseId (0 = none), …]`,
 * all integers.
 */
function decode(result: unknown, rules: number): StoreResponse {
  const ok = Array.isArray(result) && result.length === 1 + 5 * rules && result.every(Number.isInteger);
  if (!ok) throw unexpected(result);
  const numbers = result as number[];
  const outcomes: RuleOutcome[] = [];
  for (let i = 1; i < numbers.length; i += 5) {
    const retryAfterMs = numbers[i + 3]!;
    const leaseId = numbers[i + 4]!;
    const outcome = {
      allowed: numbers[i] === 1,
      remaining: numbers[i + 1]!,
      resetAt: numbers[i + 2]!,
      retryAfterMs: retryAfterMs === -1 ? Infinity : retryAfterMs,
    };
    outcomes.push(leaseId > 0 ? { ...outcome, leaseId } : outcome);
  }
  return { outcomes, now: numbers[0]! };
}
