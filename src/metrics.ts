/** The circuit breaker's state (`closed` for a store without one). */
export type CircuitState = "closed" | "open" | "half-open";

/** Counters since the limiter was created, and store latency over the most recent calls. */
export interface Metrics {
  readonly allowed: number;
  readonly denied: number;
  /** Decisions the store did not make (errors and timeouts), whatever the failure policy answered. */
  readonly degraded: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Denials answered from the deny cache, without a store round trip. */
  readonly cacheHits: number;
  /** Decisions answered by the failure policy because the circuit was open. */
  readonly circuitOpen: number;
  /** The circuit breaker's state now. */
  readonly circuit: CircuitState;
  readonly storeCalls: number;
  /**
   * With `prefetch: prefetchQuota()` on a remote store: decisions (limit and peek) answered from units this isolate
   * had claimed beforehand, with no store call. Absent without prefetching.
   */
  readonly prefetched?: number;
  /** Over the last 1024 store calls, in ms; 0 before the first (always, for stores without I/O). */
  readonly storeLatencyMs: LatencySummary;
}

/** Store latency in ms over a window of recent calls, as `Metrics.storeLatencyMs` reports it. */
export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** A store that never waits (memory): no latency to report. */
export const NO_LATENCY: LatencySummary = /* @__PURE__ */ Object.freeze({ p50: 0, p99: 0, max: 0 });

/** The mutable counters behind `limiter.metrics()`; the limiter and its store's layers count into them. */
export type Counters = { -readonly [K in keyof Metrics as Exclude<K, "circuit" | "storeLatencyMs">]: number };

export const newCounters = (): Counters => ({
  allowed: 0,
  denied: 0,
  degraded: 0,
  errors: 0,
  timeouts: 0,
  cacheHits: 0,
  circuitOpen: 0,
  storeCalls: 0,
});

const WINDOW = 1024;

/** The latencies of the last 1024 store calls; kept by the failure-policy layer, since only stores that do I/O wait. */
export function latencyWindow() {
  const latencies = new Float64Array(WINDOW);
  let count = 0;
  return {
    record(ms: number): void {
      latencies[count++ % WINDOW] = ms;
    },

    summary(): LatencySummary {
      const recent = latencies.slice(0, Math.min(count, WINDOW)).sort();
      if (recent.length === 0) return NO_LATENCY;
      const at = (q: number) => recent[Math.min(recent.length - 1, Math.floor(q * recent.length))]!;
      return { p50: at(0.5), p99: at(0.99), max: recent[recent.length - 1]! };
    },
  };
}
