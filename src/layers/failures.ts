import { StoreError } from "../errors.ts";

/** The time budget ran out: the store call was aborted (the failure policy reports it as `reason: "timeout"`). */
export class TimeoutError extends StoreError {
  override name = "TimeoutError";
}

/** The circuit breaker did not call the store: the failure policy answers without reporting a new failure. */
export class CircuitOpenError extends StoreError {}
