import { describe, expect, it } from "vitest";
import { type CheckContext, checks as rateChecks } from "../../src/testing/checks.ts";
import { concurrencyChecks } from "../../src/testing/concurrency-checks.ts";
import { keyChecks } from "../../src/testing/key-checks.ts";
import { type Flaw, referenceStore } from "../../src/testing/reference-store.ts";
import { settleChecks, settleConcurrencyChecks } from "../../src/testing/settle-checks.ts";

// The suite is only worth something if it fails for wrong stores. Each flaw must be caught by the checks named.
const checks = [...rateChecks, ...keyChecks, ...concurrencyChecks, ...settleChecks, ...settleConcurrencyChecks];
const context = (flaw: Flaw | undefined): CheckContext => ({
  store: referenceStore(flaw),
  prefix: "broken",
  traceLength: 300,
});
const check = (name: string) => {
  const found = checks.find((c) => c.name.startsWith(name));
  if (!found) throw new Error(`no check named ${name}`);
  return found;
};

describe("the compliance suite catches broken stores", () => {
  it("passes the reference store on every check", async () => {
    for (const c of checks) await c.run(context(undefined));
  });

  it.each([
    ["burns-remaining-on-denial", "a denied request consumes nothing"],
    ["burns-remaining-on-denial", "random traces give the reference decisions"],
    ["partial-multi-rule", "several rules on one key are all or nothing"],
    ["partial-multi-rule", "random traces give the reference decisions"],
    ["not-atomic", "200 parallel requests"],
    ["expires-early", "random traces give the reference decisions"],
    ["not-atomic", "concurrency: 200 parallel acquires"],
    ["release-ignored", "concurrency: 200 parallel acquires"],
    ["release-ignored", "concurrency: random traces with releases"],
    ["settle-ignored", "settle: a refund gives back exactly the difference"],
    ["settle-ignored", "settle: a charge past the quota"],
    ["settle-ignored", "settle: every rule of a key moves"],
    ["not-atomic", "settle: 30 settlements in parallel"],
  ] as const)("a store with the flaw %s fails '%s'", async (flaw, name) => {
    await expect(check(name).run(context(flaw))).rejects.toThrow();
  });
});
