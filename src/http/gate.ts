import type { Decision } from "../decision.ts";
import { ConfigError } from "../errors.ts";
import type { RateLimiter } from "../limiter.ts";
import { oncePerEnv } from "../once-per-env.ts";
import { HEADER_FORMATS, type HeaderFormat, rateLimitHeaders } from "./headers.ts";
import type { Background } from "./release.ts";

/**
 * What an adapter does with a request whose key cannot be found (its `key` returned `undefined` or `""`, or the
 * platform sent no client address):
 * - `"shared"`: count every such request in one shared bucket (`"unknown"`; `ip:unknown` on Lambda);
 * - `"deny"`: refuse it without asking the limiter (400 from the HTTP adapters, 401 from a Lambda authorizer);
 * - `"skip"`: let it through unlimited, without RateLimit headers.
 */
export type MissingKeyPolicy = "shared" | "deny" | "skip";

const MISSING_KEY_POLICIES: readonly MissingKeyPolicy[] = ["shared", "deny", "skip"];

/**
 * The options every adapter takes, with the same names and meanings everywhere. `A` are the arguments the adapter
 * hands to the functions below (`(request, env)` on Workers, `(c)` in Hono, `(request)` on Vercel, `(event)` on
 * Lambda); `E` is what `onDecision` receives besides `key` and `decision`.
 */
export interface GateOptions<A extends unknown[], E, R = Response> {
  /** The key of a request. Default: the client address the platform vouches for. */
  key?: (...args: A) => string | undefined | Promise<string | undefined>;
  /** Without a key (default `"shared"`); see `MissingKeyPolicy`. */
  missingKey?: MissingKeyPolicy;
  /** Units a request uses: a whole number ≥ 0, or a function of the request that returns one (default 1). */
  cost?: number | ((...args: A) => number);
  /** RateLimit header syntax (default `"draft-8"`). */
  format?: HeaderFormat;
  /**
   * Runs after every decision the limiter made (not for a request `missingKey` refused or skipped): analytics,
   * logs. It runs off the response path where the platform offers a way to (`waitUntil`), else it is awaited.
   * Errors it throws are ignored.
   */
  onDecision?: (event: E & { readonly key: string; readonly decision: Decision }) => unknown;
  /**
   * The actual cost of an allowed request, read from its response once the response is done (the body sent, where
   * the adapter sees it): a whole number ≥ 0 that the decision is settled to (`decision.settle`), or `undefined` to
   * keep the cost it was counted at. `0` gives it all back: `settle: (res) => (res.status === 401 ? 1 : 0)` counts
   * only failed logins. Needs a limiter with `settle: settleCosts()` (a `ConfigError` on the first allowed request
   * otherwise). It runs in the background like a lease's release; a failed settlement (or an error it throws) is
   * ignored there, and the limiter's `onError` sees the store's. Not called when the handler throws.
   */
  settle?: (response: R, ...args: A) => number | undefined;
}

/** What the adapter tells the gate about its platform. */
export interface GateSetup<A extends unknown[], E> {
  /** Names the adapter in error messages, e.g. `"[hono] rateLimiter"`. */
  readonly where: string;
  /** The user's `limiter`: a limiter, or (where `built` is given) a function that builds one. */
  readonly limiter: unknown;
  /**
   * Where `limiter` may be a function: what it is called with (Workers' `env`, Hono's `c`), and the object whose
   * identity means "same bindings" (the function then runs once per such object).
   */
  readonly built?: { readonly argOf: (...args: A) => unknown; readonly envOf: (arg: never) => unknown };
  /** The key when the user gives no `key`. */
  readonly defaultKey: (...args: A) => string | undefined | Promise<string | undefined>;
  /** A user `key` that returns `undefined` falls back to `defaultKey` (Lambda) instead of to `missingKey`. */
  readonly keyFallsBack?: boolean;
  /** The bucket of keyless requests under `"shared"` (default `"unknown"`). */
  readonly sharedKey?: string;
  /** `onDecision`'s platform fields: `{ request }`, `{ c }`, `{ event }`. */
  readonly eventOf: (...args: A) => E;
  /** Problems the adapter found in its own options, reported together with the gate's. */
  readonly problems?: readonly string[];
}

/** The gate's answer for one request. */
export type Passage<R = Response> =
  /** No key: `refused` under `missingKey: "deny"`, otherwise (`"skip"`) the request goes on unlimited. */
  | { readonly decision: undefined; readonly refused: boolean }
  | {
      readonly decision: Decision;
      readonly key: string;
      /** RateLimit headers for the response (with `Retry-After` on a denial). */
      readonly headers: Record<string, string>;
      /**
       * Once the response is done: gives concurrency leases back and, with the `settle` option, settles the
       * decision to the cost it reads from `response` (none when absent: the handler threw). Never rejects (a lease
       * that could not be given back expires by itself). `undefined` when there is nothing to do.
       */
      readonly release: ((response?: R) => Promise<void>) | undefined;
    };

/** Decides one request; `background` runs `onDecision` off the response path (absent: it is awaited). */
export type Gate<A extends unknown[], R = Response> = (
  background: Background | undefined,
  ...args: A
) => Promise<Passage<R>>;

/**
 * The request flow every adapter shares: key → missing-key policy → cost → decide → `onDecision` → headers, with the
 * leases' release handed back. Every option is checked here, so that a bad one throws a `ConfigError` (listing all
 * problems) when the adapter is created, not on the first request.
 */
export function createGate<A extends unknown[], E, R = Response>(
  options: GateOptions<A, E, R>,
  setup: GateSetup<A, E>,
): Gate<A, R> {
  const { key, missingKey = "shared", cost = 1, format = "draft-8", onDecision, settle } = options ?? {};
  const { limiter, built, defaultKey } = setup;
  const problems = [...(setup.problems ?? [])];
  const absentOrFunction = (value: unknown) => value === undefined || typeof value === "function";
  type Build = (arg: unknown) => RateLimiter;
  const build = built && typeof limiter === "function" ? oncePerEnv(limiter as Build, built.envOf as Build) : undefined;
  if (!build && typeof (limiter as RateLimiter | undefined)?.limit !== "function") {
    problems.push(
      `limiter must be a limiter from createRateLimiter()${built ? " or a function that returns one" : ""}`,
    );
  }
  if (!absentOrFunction(key)) problems.push("key must be a function of the request");
  if (!MISSING_KEY_POLICIES.includes(missingKey)) {
    problems.push(`missingKey must be "shared", "deny" or "skip", got ${JSON.stringify(missingKey)}`);
  }
  if (typeof cost !== "function" && !(Number.isInteger(cost) && cost >= 0)) {
    problems.push(`cost must be a whole number ≥ 0 or a function of the request, got ${JSON.stringify(cost)}`);
  }
  if (!HEADER_FORMATS.includes(format)) {
    problems.push(`format must be one of ${HEADER_FORMATS.join(", ")}, got ${JSON.stringify(format)}`);
  }
  if (!absentOrFunction(onDecision)) problems.push("onDecision must be a function");
  if (!absentOrFunction(settle)) problems.push("settle must be a function of the response");
  if (problems.length > 0) throw new ConfigError(problems.map((problem) => `${setup.where}: ${problem}`));

  const limiterOf = (args: A) => (build ? build(built?.argOf(...args)) : (limiter as RateLimiter));
  const keyOf =
    key && setup.keyFallsBack ? async (...args: A) => (await key(...args)) ?? defaultKey(...args) : (key ?? defaultKey);
  const sharedKey = setup.sharedKey ?? "unknown";

  return async (background, ...args) => {
    let chosen = await keyOf(...args);
    if (chosen === undefined || chosen === "") {
      if (missingKey !== "shared") return { decision: undefined, refused: missingKey === "deny" };
      chosen = sharedKey;
    }
    const decision = await limiterOf(args).limit(chosen, { cost: typeof cost === "function" ? cost(...args) : cost });
    if (onDecision) {
      const event = { ...setup.eventOf(...args), key: chosen, decision };
      const work = Promise.resolve()
        .then(() => onDecision(event))
        .catch(() => {});
      if (background) background(work);
      else await work;
    }
    const { release } = decision;
    const pay = settle && decision.allowed ? decision.settle : undefined;
    if (settle && decision.allowed && !pay) {
      throw new ConfigError([
        `${setup.where}: settle needs a limiter created with settle: settleCosts() (from "edgelimit")`,
      ]);
    }
    const done =
      release || pay
        ? async (response?: R) => {
            await release?.().catch(() => {});
            if (!pay || response === undefined) return;
            try {
              const actual = settle!(response, ...args);
              if (actual !== undefined) await pay(actual);
            } catch {
              // In the background: the store's failure reached the limiter's onError already.
            }
          }
        : undefined;
    return { decision, key: chosen, headers: rateLimitHeaders(decision, format), release: done };
  };
}
