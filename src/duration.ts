import { describe } from "./describe.ts";

/** A duration: milliseconds as a number, or a string such as `"500ms"`, `"10s"`, `"1m"`, `"1h"`, `"1d"`. */
export type Duration = number | `${number}${DurationUnit}` | `${number} ${DurationUnit}`;
export type DurationUnit = "ms" | "s" | "m" | "h" | "d";

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Parses a duration into whole milliseconds, or returns a message saying what is wrong.
 * Fractions are allowed when they land on a whole millisecond (`"1.5s"`, not `"0.0001s"`).
 */
export function parseDuration(value: unknown): number | string {
  let ms: number;
  if (typeof value === "number") {
    ms = value;
  } else if (typeof value === "string") {
    const match = PATTERN.exec(value.trim());
    if (!match)
      return `${JSON.stringify(value)} is not a duration; use milliseconds or a string like "500ms", "10s", "1m", "1h", "1d"`;
    ms = Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
  } else {
    return `expected a duration (milliseconds or a string like "10s"), got ${describe(value)}`;
  }
  if (!Number.isFinite(ms)) return `${describe(value)} is not a finite duration`;
  if (!Number.isInteger(ms)) return `${describe(value)} is not a whole number of milliseconds`;
  if (ms > Number.MAX_SAFE_INTEGER) return `${describe(value)} is too long`;
  return ms;
}

/** Formats milliseconds in the largest unit that divides them exactly: 60000 → "1m". */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m", "s"] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
