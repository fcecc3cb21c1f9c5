// Limiter options with prefetching on or off, the one switch every prefetch figure compares.
import { prefetchQuota, type RateLimiterOptions } from "../../src/index.ts";

/** `options` with `prefetch: prefetchQuota()` (its defaults: share 0.1) when `prefetch`, else as they are. */
export function withPrefetch(options: RateLimiterOptions, prefetch: boolean): RateLimiterOptions {
  return prefetch ? { ...options, prefetch: prefetchQuota() } : options;
}
