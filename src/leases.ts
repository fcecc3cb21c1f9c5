import type { Lease, RuleOutcome } from "./algorithms/apply.ts";
import { ConfigError } from "./errors.ts";
import type { Rule } from "./rules.ts";

/** The leases a consumed decision took: one per concurrency rule, expiring `leaseMs` after the store's `now`. */
export function leasesTaken(rules: readonly Rule[], outcomes: readonly RuleOutcome[], now: number): Lease[] {
  const leases: Lease[] = [];
  rules.forEach((rule, i) => {
    const id = outcomes[i]?.leaseId;
    if (rule.algorithm === "concurrency" && id !== undefined) {
      leases.push({ rule: rule.name, id, expiresAt: now + rule.leaseMs });
    }
  });
  return leases;
}

/** Leases as one opaque string, safe in a header or a queue message: `rule:id:expiresAt`, comma-separated. */
export function encodeLeases(leases: readonly Lease[]): string {
  return leases.map((l) => `${encodeURIComponent(l.rule)}:${l.id}:${l.expiresAt}`).join(",");
}

/** Reads a lease string back; throws a `ConfigError` for one this limiter's rules could not have made. */
export function decodeLeases(leaseId: unknown, rules: readonly Rule[]): Lease[] {
  const fail = () =>
    new ConfigError([`leaseId ${JSON.stringify(leaseId)} was not made by this limiter's concurrency rules`]);
  if (typeof leaseId !== "string" || leaseId === "") throw fail();
  return leaseId.split(",").map((part) => {
    const [rule, id, expiresAt] = part.split(":");
    const name = decodeURIComponent(rule ?? "");
    const numbers = [Number(id), Number(expiresAt)];
    const known = rules.some((r) => r.algorithm === "concurrency" && r.name === name);
    if (!known || !numbers.every(Number.isSafeInteger) || part.split(":").length !== 3) throw fail();
    return { rule: name, id: numbers[0]!, expiresAt: numbers[1]! };
  });
}
