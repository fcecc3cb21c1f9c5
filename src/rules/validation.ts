import { describe } from "../describe.ts";
import { parseDuration } from "../duration.ts";
import { ALGORITHMS } from "./algorithm-list.ts";
import type { OptionReader, RuleInput, RuleStore } from "./input.ts";
import type { Algorithm, Rule } from "./types.ts";

const MAX_COUNT = 1_000_000_000;

/**
 * Validates one rule; pushes every problem into `problems` and returns the rule when there are none. With `store`,
 * a rule wrapped by `shadow()` or `blockFor()` also checks that the store applies its feature.
 */
export function normalizeRule(raw: unknown, where: string, problems: string[], store?: RuleStore): Rule | undefined {
  const { algorithm, options, kind } = (raw ?? {}) as Partial<RuleInput>;
  if (typeof options !== "object" || typeof kind?.build !== "function") {
    problems.push(
      ALGORITHMS.includes(algorithm as Algorithm) || typeof algorithm !== "string"
        ? `${where}: expected a rule from ${ALGORITHMS.join("(), ")}()`
        : `${where}: unknown algorithm ${describe(algorithm)}; use one of ${ALGORITHMS.join(", ")}`,
    );
    return undefined;
  }
  const before = problems.length;
  const here = `${where} (${algorithm})`;
  const problem = (text: string) => problems.push(`${here}: ${text}`);
  for (const option of Object.keys(options)) {
    if (option !== "name" && !kind.options.includes(option)) problem(`unknown option "${option}"`);
  }
  const count: OptionReader = (option, fallback) => {
    const value = options[option] ?? fallback;
    if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_COUNT) return value;
    problem(`${option} must be a whole number from 1 to ${MAX_COUNT}, got ${describe(value)}`);
    return 1;
  };
  const duration: OptionReader = (option, fallback) => {
    const parsed = parseDuration(options[option] ?? fallback);
    if (typeof parsed === "string") problem(`${option}: ${parsed}`);
    else if (parsed < 1) problem(`${option} must be at least 1ms, got ${describe(options[option])}`);
    // Ten years: long enough for any quota, short enough that `start + 2 × window` stays an exact integer. Inline: a
    // bundler keeps a top-level constant's name.
    else if (parsed > 10 * 365 * 86_400_000) problem(`${option} must be at most 10 years`);
    else return parsed;
    return 1;
  };
  const rule = { algorithm, name: "", ...kind.build(count, duration, problem, store) } as Rule;
  const name = options.name ?? kind.defaultName(rule);
  if (typeof name !== "string" || !/^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(name)) {
    problem(`name must be 1 to 64 printable ASCII characters without quotes or backslashes, got ${describe(name)}`);
  }
  if (problems.length > before) return undefined;
  return Object.freeze({ ...rule, name: name as string });
}
