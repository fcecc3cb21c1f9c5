import type { Lease, RuleOutcome } from "./algorithms/apply.ts";
import { ConfigError } from "./errors.ts";
import type { Rule } from "./rules.ts";

/** How a consumed decision's concurrency leases become one string (`decision.leaseId`) and back. */
export interface LeaseCodec {
  /** The leases a consumed decision took: one per concurrency rule, expiring `leaseMs` after the store's `now`. */
  taken(rules: readonly Rule[], outcomes: readonly RuleOutcome[], now: number): Lease[];
  /** Leases as one opaque string, safe in a header or a queue message: `rule:id:expiresAt`, comma-separated. */
  encode(leases: readonly Lease[]): string;
  /** Reads a lease string back; throws a `ConfigError` for one these rules could not have made. */
  decode(leaseId: unknown, rules: readonly Rule[]): Lease[];
}

/** Carried by the concurrency rule kind, so a bundle without concurrency rules leaves it out. */
export const leaseCodec: LeaseCodec = {
  taken(rules, outcomes, now) {
    const leases: Lease[] = [];
    rules.forEach((rule, i) => {
      const id = outcomes[i]?.leaseId;
      if (rule.algorithm === "concurrency" && id !== undefined) {
        leases.push({ rule: rule.name, id, expiresAt: now + rule.leaseMs });
      }
    });
    return leases;
  },
  encode: (leases) => leases.map((l) => `${encodeURIComponent(l.rule)}:${l.id}:${l.expiresAt}`).join(","),
  decode(leaseId, rules) {
    if (typeof leaseId !== "string" || leaseId === "") throw foreignLease(leaseId);
    return leaseId.split(",").map((part) => {
      const [rule, id, expiresAt] = part.split(":");
      const name = decodeURIComponent(rule ?? "");
      const numbers = [Number(id), Number(expiresAt)];
      const known = rules.some((r) => r.algorithm === "concurrency" && r.name === name);
      if (!known || !numbers.every(Number.isSafeInteger) || part.split(":").length !== 3) throw foreignLease(leaseId);
      return { rule: name, id: numbers[0]!, expiresAt: numbers[1]! };
    });
  },
};

/** The error for a lease string that this limiter's concurrency rules (if it has any) could not have made. */
export const foreignLease = (leaseId: unknown) =>
  new ConfigError([`leaseId ${JSON.stringify(leaseId)} was not made by this limiter's concurrency rules`]);
