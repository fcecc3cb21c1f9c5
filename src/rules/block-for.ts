import { blocking } from "../algorithms/block.ts";
import type { Duration } from "../duration.ts";
import type { RuleInput, RuleKind } from "./input.ts";
import { checkStore, wrappable, wrapped } from "./wrap.ts";

/**
 * `rule`, plus a block: once it denies a consuming call (`limit`, `acquire`; cost above 0), the key stays denied by
 * this rule for `duration` from that denial (ms or a string such as `"1h"`; from 1ms to 10 years), whatever its own
 * quota says, with `retryAfterMs`, `resetAt` and the headers saying so. Denials during a block do not extend it; a
 * denial by another rule does not start it; `limiter.reset(key)` ends it. Not for `concurrency()` rules, nor with
 * `shadow()`. Example: `blockFor(fixedWindow({ limit: 5, window: "15m", name: "login" }), "1h")`. Throws a
 * `ConfigError` for a misuse; a bad duration is reported by `createRateLimiter` with every other problem.
 */
export function blockFor(rule: RuleInput, duration: Duration): RuleInput {
  const inner = wrappable("blockFor", rule, "it denies while requests are in flight, which is no breach to block for");
  const own = inner.kind;
  const kind: RuleKind = {
    ...own,
    feature: "blockFor",
    options: [...own.options, "blockFor"],
    build(count, read, problem, store) {
      checkStore("blockFor", store, problem);
      return { ...own.build(count, read, problem), blockMs: read("blockFor") };
    },
    evaluate: blocking(own.evaluate as Parameters<typeof blocking>[0]),
  };
  return wrapped(inner, { ...inner.options, blockFor: duration }, kind);
}
