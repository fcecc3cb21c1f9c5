import type { Algorithm, RuleFeature } from "./types.ts";

/** Every algorithm, in the order errors and stores list them. */
export const ALGORITHMS: readonly Algorithm[] = /* @__PURE__ */ Object.freeze([
  "fixedWindow",
  "slidingWindow",
  "tokenBucket",
  "gcra",
  "concurrency",
]);

/** Every rule feature, for a store that applies them all (`Store.features`). */
export const FEATURES: readonly RuleFeature[] = /* @__PURE__ */ Object.freeze(["shadow", "blockFor"]);
