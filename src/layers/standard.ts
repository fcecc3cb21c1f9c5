import { describe } from "../describe.ts";
import { circuitBreaker } from "./circuit-breaker.ts";
import { denyCache } from "./deny-cache.ts";
import { failurePolicy } from "./failure-policy.ts";
import type { Layer } from "./layer.ts";
import { timeout } from "./timeout.ts";

/**
 * Checks the limiter's `prefetch` option, which `createRateLimiter` puts outside a remote store's layers:
 * `prefetchQuota()` reports its own problems, and any other value (`prefetch: true`) is one. It wraps nothing.
 * A check here rather than in `createRateLimiter`'s own, so that a Worker with a local store (which ignores
 * prefetching, as it does every layer option) bundles none of it.
 */
const prefetchOption: Layer = {
  check(options, problems) {
    const { prefetch } = options;
    const settings = prefetch?.check?.(options, problems);
    if (!settings && prefetch !== undefined) {
      problems.push(`prefetch: expected prefetchQuota() from "edgelimit", got ${describe(prefetch)}`);
    }
    return settings ?? {};
  },
  wrap: (inner) => inner,
};

/**
 * The layers every store of this package runs under, outermost first: the deny cache answers repeated denials
 * without a call; the failure policy (allow, deny, throw or a fallback store) answers when a call fails, and counts
 * calls and their latency; the circuit breaker stops calling a store that keeps failing; the time budget aborts a
 * call that takes too long. (Before them, a check of the `prefetch` option, whose layer goes outside them all.)
 */
export const standardLayers: readonly Layer[] = [prefetchOption, denyCache, failurePolicy, circuitBreaker, timeout];
