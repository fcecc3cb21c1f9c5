import type { Decision, RateLimiter } from "../../src/index.ts";

/**
 * Checks for the fault-injection suites, usable in Node and in workerd (no Node imports):
 * - `decide` times one decision (the one place tests assert a time bound, a generous one) and keeps the
 *   worst latency per fault for `report()`;
 * - timers: `setTimeout`/`clearTimeout` are wrapped while watching, and `pendingTimers()` lists the timers
 *   set by edgelimit's own code (`/src/`, `/durable-objects/`: the caller of `setTimeout`) that have neither fired nor been
 *   cleared: a budget timer the limiter forgot to clear shows up here;
 * - unhandled rejections are collected (Node's `process` event, or the global `unhandledrejection` event).
 */
export function faultWatch() {
  const worst = new Map<string, { ms: number; decisions: number }>();
  const live = new Map<unknown, string>();
  const rejections: unknown[] = [];
  const g = globalThis as unknown as {
    setTimeout: (...args: unknown[]) => unknown;
    clearTimeout: (handle: unknown) => void;
    process?: { on(event: string, f: (e: unknown) => void): void; off(event: string, f: (e: unknown) => void): void };
    addEventListener?: (event: string, f: (e: { reason: unknown }) => void) => void;
    removeEventListener?: (event: string, f: (e: { reason: unknown }) => void) => void;
  };
  const original = { setTimeout: g.setTimeout, clearTimeout: g.clearTimeout };
  const onRejection = (reason: unknown) => rejections.push(reason);
  const onEvent = (event: { reason: unknown }) => rejections.push(event.reason);
  const ours = /\/(src|durable-objects)\/[^\s)]*\.ts/;

  return {
    start() {
      g.setTimeout = (callback: unknown, ...rest: unknown[]) => {
        const stack = new Error().stack?.split("\n").slice(2).join("\n") ?? "";
        const handle = original.setTimeout.call(
          globalThis,
          (...args: unknown[]) => {
            live.delete(handle);
            (callback as (...a: unknown[]) => void)(...args);
          },
          ...rest,
        );
        // Only timers edgelimit's code sets itself (the caller of setTimeout), not those of a client it calls
        // (the AWS SDK's retry backoff races the signal but leaves its own timer to run out).
        if (ours.test(stack.split("\n")[0] ?? "")) live.set(handle, stack);
        return handle;
      };
      g.clearTimeout = (handle: unknown) => {
        live.delete(handle);
        original.clearTimeout.call(globalThis, handle);
      };
      if (typeof g.process?.on === "function") g.process.on("unhandledRejection", onRejection);
      else g.addEventListener?.("unhandledrejection", onEvent);
    },
    stop() {
      g.setTimeout = original.setTimeout;
      g.clearTimeout = original.clearTimeout;
      if (typeof g.process?.off === "function") g.process.off("unhandledRejection", onRejection);
      else g.removeEventListener?.("unhandledrejection", onEvent);
    },
    /** Stacks of edgelimit's timers still pending. */
    pendingTimers(): string[] {
      return [...live.values()];
    },
    rejections,
    /** One `limiter.limit` (or `peek`) timed with `performance.now()`, recorded under `fault`. */
    async decide(fault: string, limiter: RateLimiter, key: string, consume = true): Promise<Timed> {
      const started = performance.now();
      const decision = await (consume ? limiter.limit(key) : limiter.peek(key));
      const ms = performance.now() - started;
      const entry = worst.get(fault) ?? { ms: 0, decisions: 0 };
      worst.set(fault, { ms: Math.max(entry.ms, ms), decisions: entry.decisions + 1 });
      return { decision, ms };
    },
    /** Worst latency per fault, printed as one line per fault for the closing note. */
    report(title: string): string {
      const lines = [...worst].map(([fault, w]) => `  ${fault}: worst ${w.ms.toFixed(1)} ms over ${w.decisions}`);
      const text = `${title} (worst decision latency per fault):\n${lines.join("\n")}`;
      console.log(text);
      return text;
    },
  };
}

export interface Timed {
  readonly decision: Decision;
  readonly ms: number;
}
