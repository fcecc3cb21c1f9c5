// Contenders over the local Upstash REST bridge: edgelimit's upstashStore and @upstash/ratelimit, plus
// Redis command counting from `INFO commandstats`.
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { createRateLimiter, fixedWindow, gcra, type RuleInput, slidingWindow, tokenBucket } from "../../src/index.ts";
import { upstashStore } from "../../src/stores/upstash.ts";
import { RespConnection } from "../../tests/support/resp.ts";
import type { UpstashBackend } from "../../tests/support/upstash-bridge.ts";

export type UpstashAlgorithm = "fixedWindow" | "slidingWindow" | "tokenBucket" | "gcra";

/** Answers one request for `key`: whether it was allowed. Throws if the peer failed open on a timeout. */
export type Decide = (key: string) => Promise<boolean>;

const WINDOW = "1h"; // long enough that no window ends or token refills during a run

/** One edgelimit rule of `algorithm` admitting `limit` requests per hour (named `name`). */
export function ourRule(algorithm: UpstashAlgorithm, limit: number, name: string): RuleInput {
  switch (algorithm) {
    case "fixedWindow":
      return fixedWindow({ limit, window: WINDOW, name });
    case "slidingWindow":
      return slidingWindow({ limit, window: WINDOW, name });
    case "tokenBucket":
      return tokenBucket({ capacity: limit, refillRate: 1, interval: WINDOW, name });
    case "gcra":
      return gcra({ limit, period: WINDOW, name });
  }
}

/** edgelimit over plain REST `fetch`; `rules` fixed windows of the same limit (they only differ by name). */
export function ours(
  backend: UpstashBackend,
  algorithm: UpstashAlgorithm,
  limit: number,
  denyCache: boolean,
  prefix: string,
  rules = 1,
): Decide {
  const limiter = createRateLimiter({
    store: upstashStore({ url: backend.url, token: backend.token }),
    rules: Array.from({ length: rules }, (_, i) => ourRule(algorithm, limit, `r${i}`)),
    prefix,
    denyCache: denyCache ? {} : false,
    timeout: 10_000,
  });
  return async (key) => {
    const decision = await limiter.limit(key);
    if (decision.degraded) throw new Error(`edgelimit degraded: ${decision.reason}`);
    return decision.allowed;
  };
}

/**
 * @upstash/ratelimit 2.x through @upstash/redis (auto-pipelining on, as shipped). Several rules mean several
 * `Ratelimit` instances with their own prefixes, called together (it has no multi-rule limiter);
 * allowed when all allow.
 */
export function peer(
  backend: UpstashBackend,
  algorithm: Exclude<UpstashAlgorithm, "gcra">,
  limit: number,
  ephemeralCache: boolean,
  prefix: string,
  rules = 1,
): Decide {
  const redis = new Redis({ url: backend.url, token: backend.token, enableTelemetry: false });
  const limiters = Array.from(
    { length: rules },
    (_, i) =>
      new Ratelimit({
        redis,
        limiter:
          algorithm === "fixedWindow"
            ? Ratelimit.fixedWindow(limit, "1 h")
            : algorithm === "slidingWindow"
              ? Ratelimit.slidingWindow(limit, "1 h")
              : Ratelimit.tokenBucket(1, "1 h", limit),
        prefix: `${prefix}:r${i}`,
        ephemeralCache: ephemeralCache ? new Map() : false,
        analytics: false,
        timeout: 10_000,
      }),
  );
  return async (key) => {
    const results = await Promise.all(limiters.map((l) => l.limit(key)));
    if (results.some((r) => r.reason === "timeout")) throw new Error("@upstash/ratelimit timed out (fails open)");
    return results.every((r) => r.success);
  };
}

/** Reads Redis's per-command call counters. */
export class CommandCounter {
  private readonly connection: RespConnection;

  private constructor(connection: RespConnection) {
    this.connection = connection;
  }

  static async connect(port: number): Promise<CommandCounter> {
    return new CommandCounter(await RespConnection.connect(port));
  }

  /** Commands redis-server has executed so far, Lua-called ones included, except INFO itself. */
  async total(): Promise<number> {
    const [reply] = await this.connection.send([["INFO", "commandstats"]]);
    if (reply?.type !== "bulk" || reply.value === null) throw new Error("INFO commandstats: unexpected reply");
    let calls = 0;
    for (const match of reply.value.toString("utf8").matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (match[1] !== "info") calls += Number(match[2]);
    }
    return calls;
  }

  close(): void {
    this.connection.close();
  }
}

/** What `calls` decisions cost: HTTP requests to the bridge and Redis commands, each per decision. */
export async function costOf(
  backend: UpstashBackend,
  counter: CommandCounter,
  calls: number,
  run: (i: number) => Promise<unknown>,
): Promise<{ requests: number; commands: number }> {
  const requestsBefore = backend.requests();
  const commandsBefore = await counter.total();
  for (let i = 0; i < calls; i++) await run(i);
  const commands = (await counter.total()) - commandsBefore;
  return { requests: (backend.requests() - requestsBefore) / calls, commands: commands / calls };
}
