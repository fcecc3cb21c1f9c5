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
    const breaker = newBreaker(settings.failureThreshold, settings.cooldownMs);
    probes.circuit = breaker.state;
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
function newBreaker(threshold: number, cooldownMs: number) {
  let failures = 0;
  let openedAt = 0;
  let probing = false;
  let state: CircuitState = "closed";
  return {
    state: () => state,

    /** Whether a store call may be made now; in half-open state only the first caller gets `true`. */
    allows(now: number): boolean {
      if (state === "closed") return true;
      if (state === "open" && now - openedAt >= cooldownMs) state = "half-open";
      if (state === "half-open" && !probing) {
        probing = true;
        return true;
      }
      return false;
    },

    succeeded(): void {
      failures = 0;
      probing = false;
      state = "closed";
    },

    failed(now: number): void {
      failures++;
      probing = false;
      if (state === "half-open" || failures >= threshold) {
        state = "open";
        openedAt = now;
      }
    },
  };
}
