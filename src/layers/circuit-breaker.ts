import { describe } from "../describe.ts";
import { parseDuration } from "../duration.ts";
import type { CircuitState } from "../metrics.ts";
import { CircuitOpenError } from "./failures.ts";
import type { Layer, LayerSettings } from "./layer.ts";

/**
 * The circuit breaker as a layer (`circuitBreaker` option, default `{ failureThreshold: 5, cooldown: "10s" }`,
 * `false` for none): while the circuit is open, `apply` rejects with a `CircuitOpenError` without calling the store.
 * Reset, release and ping always go through.
 */
export const circuitBreaker: Layer = {
  check(options, problems) {
    const breaker = options.circuitBreaker ?? {};
    let circuitBreaker: LayerSettings["circuitBreaker"];
    if (breaker !== false) {
      const failureThreshold = breaker.failureThreshold ?? 5;
      const cooldownMs = parseDuration(breaker.cooldown ?? 10_000);
      if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
        problems.push(
          `circuitBreaker.failureThreshold: expected a whole number ≥ 1, got ${describe(failureThreshold)}`,
        );
      }
      if (typeof cooldownMs === "string") problems.push(`circuitBreaker.cooldown: ${cooldownMs}`);
      else circuitBreaker = Object.freeze({ failureThreshold, cooldownMs });
    }
    return { circuitBreaker };
  },
  wrap(inner, { circuitBreaker: settings }, { clock, counters, probes }) {
    if (!settings) return inner;
    const breaker = new CircuitBreaker(settings.failureThreshold, settings.cooldownMs);
    probes.circuit = () => breaker.state;
    return {
      ...inner,
      async apply(request) {
        if (!breaker.allows(request.now)) {
          counters.circuitOpen++;
          throw new CircuitOpenError(inner.name, "circuit open after repeated failures; not calling the store");
        }
        try {
          const response = await inner.apply(request);
          breaker.succeeded();
          return response;
        } catch (cause) {
          breaker.failed(clock());
          throw cause;
        }
      },
    };
  },
};

/**
 * Stops calling a store that keeps failing. Closed: every call goes through. After `failureThreshold`
 * failures in a row: open, no calls until `cooldown` has passed. Then half-open: exactly one call goes
 * through as a probe; its success closes the circuit, its failure opens it for another cooldown.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  state: CircuitState = "closed";
  private readonly threshold: number;
  private readonly cooldownMs: number;

  constructor(threshold: number, cooldownMs: number) {
    this.threshold = threshold;
    this.cooldownMs = cooldownMs;
  }

  /** Whether a store call may be made now; in half-open state only the first caller gets `true`. */
  allows(now: number): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open" && now - this.openedAt >= this.cooldownMs) this.state = "half-open";
    if (this.state === "half-open" && !this.probing) {
      this.probing = true;
      return true;
    }
    return false;
  }

  succeeded(): void {
    this.failures = 0;
    this.probing = false;
    this.state = "closed";
  }

  failed(now: number): void {
    this.failures++;
    this.probing = false;
    if (this.state === "half-open" || this.failures >= this.threshold) {
      this.state = "open";
      this.openedAt = now;
    }
  }
}
