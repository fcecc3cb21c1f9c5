import { applyRelease, type Lease, type RuleOutcome } from "./algorithms/apply.ts";
import { describe } from "./describe.ts";
import { ConfigError } from "./errors.ts";
import type { Rule } from "./rules/types.ts";
import type { ReleaseRequest } from "./store.ts";

/** How a consumed decision's concurrency leases become one string (`decision.leaseId`) and back. */
export interface LeaseCodec {
  /** The leases a consumed decision took: one per concurrency rule, expiring `leaseMs` after the store's `now`. */
  taken(rules: readonly Rule[], outcomes: readonly RuleOutcome[], now: number): Lease[];
  /** Leases as one opaque string, safe in a header or a queue message: `rule:id:expiresAt`, comma-separated. */
  encode(leases: readonly Lease[]): string;
  /** Reads a lease string back; throws a `ConfigError` for one these rules could not have made. */
  decode(leaseId: unknown, rules: readonly Rule[]): Lease[];
  /**
   * The release of a lease string, as the limiter hands it to its store (without key and signal): `asked`'s rules,
   * evaluators, time (epoch ms) and stored quotas (`tenants`), `applyRelease` included for a store in this isolate;
   * throws as `decode` does.
   */
  releasing(
    leaseId: unknown,
    asked: Pick<ReleaseRequest, "rules" | "evaluators" | "now" | "quotas">,
  ): Omit<ReleaseRequest, "key" | "signal">;
}

/** Carried by the concurrency rule kind, so a bundle without concurrency rules leaves it out. */
export const leaseCodec: LeaseCodec = {
  releasing(leaseId, asked) {
    return { ...asked, leases: leaseCodec.decode(leaseId, asked.rules), applyRelease };
  },
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
    const seen = new Set<string>();
    return leaseId.split(",").map((part) => {
      const fields = part.split(":");
      const name = fields.length === 3 ? ruleName(fields[0]!) : undefined;
      const id = whole(fields[1]);
      const expiresAt = whole(fields[2]);
      const known = rules.some((r) => r.algorithm === "concurrency" && r.name === name);
      // A decision takes at most one lease per rule, so a longer string is not one of ours (and stays small).
      if (!known || seen.has(name!) || id === undefined || id < 1 || expiresAt === undefined)
        throw foreignLease(leaseId);
      seen.add(name!);
      return { rule: name!, id, expiresAt };
    });
  },
};

/** A rule name as `encode` wrote it; `undefined` for text that is not percent-encoded UTF-8 (`"%"`, `"%ff"`). */
function ruleName(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** A whole number as `encode` wrote it (`String(n)`): no sign tricks, exponents, spaces or leading zeros. */
function whole(text: string | undefined): number | undefined {
  const n = Number(text);
  return Number.isSafeInteger(n) && String(n) === text ? n : undefined;
}

/** The error for a lease string that this limiter's concurrency rules (if it has any) could not have made. */
const foreignLease = (leaseId: unknown) =>
  new ConfigError([
    `leaseId ${describe(typeof leaseId === "string" && leaseId.length > 80 ? `${leaseId.slice(0, 80)}…` : leaseId)} ` +
      "is not a lease id of this limiter: pass decision.leaseId back unchanged, as an allowed decision " +
      "with concurrency rules returned it (rule:id:expiresAt per concurrency rule, comma-separated)",
  ]);
