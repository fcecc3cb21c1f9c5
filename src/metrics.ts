import type { CircuitState } from "./resilience/circuit-breaker.ts";

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
  /** Over the last 1024 store calls, in ms; 0 before the first. */
  readonly storeLatencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

const WINDOW = 1024;

/** Mutable counters behind `limiter.metrics()`. */
export class MetricsRecorder {
  allowed = 0;
  denied = 0;
  degraded = 0;
  errors = 0;
  timeouts = 0;
  cacheHits = 0;
  circuitOpen = 0;
  storeCalls = 0;
  private readonly latencies = new Float64Array(WINDOW);

  recordLatency(ms: number): void {
    this.latencies[this.storeCalls % WINDOW] = ms;
    this.storeCalls++;
  }

  snapshot(circuit: CircuitState): Metrics {
    const recent = this.latencies.slice(0, Math.min(this.storeCalls, WINDOW)).sort();
    const at = (q: number) =>
      recent.length === 0 ? 0 : recent[Math.min(recent.length - 1, Math.floor(q * recent.length))]!;
    return {
      allowed: this.allowed,
      denied: this.denied,
      degraded: this.degraded,
      errors: this.errors,
      timeouts: this.timeouts,
      cacheHits: this.cacheHits,
      circuitOpen: this.circuitOpen,
      circuit,
      storeCalls: this.storeCalls,
      storeLatencyMs: { p50: at(0.5), p99: at(0.99), max: recent.length === 0 ? 0 : recent[recent.length - 1]! },
    };
  }
}
