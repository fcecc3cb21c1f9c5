// `prefetchQuota`, found at run time, so that the bench runs (prefetch-off side only) before the prefetch layer
// exists in the branch it is built on.

import type { RateLimiterOptions } from "../../src/index.ts";
import * as core from "../../src/index.ts";

type PrefetchQuota = (options?: { maxShare?: number }) => unknown;

/** `prefetchQuota` from src/index.ts, or `undefined` while the prefetch layer is not there. */
export const prefetchQuota = (core as Record<string, unknown>).prefetchQuota as PrefetchQuota | undefined;

/** Why the prefetch-on figures are missing, said in the report and on stderr. */
export const PREFETCH_MISSING =
  "src/index.ts exports no `prefetchQuota` (the prefetch layer is not merged into this branch), so the prefetch-on figures are missing (—).";

/** `options` with prefetching on (`prefetchQuota()`, its defaults) or, for `prefetch: false`, as they are. */
export function withPrefetch(options: RateLimiterOptions, prefetch: boolean): RateLimiterOptions {
  if (!prefetch) return options;
  if (!prefetchQuota) throw new Error(`[bench] ${PREFETCH_MISSING}`);
  // Typed loosely until RateLimiterOptions has `prefetch` in every branch this file is built on.
  return { ...options, prefetch: prefetchQuota() } as RateLimiterOptions;
}
