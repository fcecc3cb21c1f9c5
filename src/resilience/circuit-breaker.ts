import type { Duration } from "../duration.ts";

export interface CircuitBreakerOptions {
  /** Consecutive store failures (errors or timeouts) that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit answers by the failure policy without calling the store. Default `"10s"`. */
  cooldown?: Duration;
}

export type CircuitState = "closed" | "open" | "half-open";

/**
 * Stops calling a store that keeps failing. Closed: every call goes through. After `failureThreshold`
 * failures in a row: open, no calls until `cooldown` has passed. Then half-open: exactly one call goes
 * through as a probe; its success closes the circuit, its failure opens it for another cooldown.
 */
export function circuitBreaker(threshold: number, cooldownMs: number) {
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
