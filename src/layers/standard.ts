import { circuitBreaker } from "./circuit-breaker.ts";
import { denyCache } from "./deny-cache.ts";
import { failurePolicy } from "./failure-policy.ts";
import type { Layer } from "./layer.ts";
import { timeout } from "./timeout.ts";

/**
 * The layers every store of this package runs under, outermost first: the deny cache answers repeated denials
 * without a call; the failure policy (allow, deny, throw or a fallback store) answers when a call fails, and counts
 * calls and their latency; the circuit breaker stops calling a store that keeps failing; the time budget aborts a
 * call that takes too long.
 */
export const standardLayers: readonly Layer[] = [denyCache, failurePolicy, circuitBreaker, timeout];
