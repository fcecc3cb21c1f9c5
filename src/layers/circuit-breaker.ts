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
