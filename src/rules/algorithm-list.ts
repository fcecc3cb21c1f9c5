import type { Algorithm } from "./types.ts";

/** Every algorithm, in the order errors and stores list them. */
export const ALGORITHMS: readonly Algorithm[] = /* @__PURE__ */ Object.freeze([
  "fixedWindow",
  "slidingWindow",
  "tokenBucket",
  "gcra",
  "concurrency",
]);
