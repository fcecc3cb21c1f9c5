import { afterAll, beforeAll, describe, it } from "vitest";
import type { AnyStore } from "../store-entry.ts";
import { type CheckContext, checks } from "./checks.ts";
import { concurrencyChecks } from "./concurrency-checks.ts";
import { blockChecks, shadowChecks } from "./feature-checks.ts";
import { keyChecks } from "./key-checks.ts";
import { settleChecks, settleConcurrencyChecks } from "./settle-checks.ts";
import { storedLimitsChecks, storedLimitsConcurrencyChecks } from "./stored-limits-checks.ts";
import { tenantsChecks, tenantsConcurrencyChecks } from "./tenants-checks.ts";

export interface TestStoreOptions {
  /** Shown in test names: `compliance: upstash (fetch)`. */
  name: string;
  /** Makes the store under test; called once for the whole suite. */
  create: () => AnyStore | Promise<AnyStore>;
  /** Called once after the suite. */
  close?: () => void | Promise<void>;
  /** Checks to skip, by name, each with its reason. */
  skip?: Readonly<Record<string, string>>;
  /** Steps per random trace (default 300); remote stores may lower it to keep the run short. */
  traceLength?: number;
  /** `false` while the store does not support concurrency rules: their checks are skipped with that reason. */
  concurrency?: boolean;
  /**
   * `false` while the store cannot settle (`decision.settle`; its `features` do not list `"settle"`): the settle checks are
   * skipped with that reason.
   */
  settle?: boolean;
}

/** Registers the compliance suite for one store: every check of `checks.ts`, each under its own prefix. */
export function testStore(options: TestStoreOptions): void {
  describe(`compliance: ${options.name}`, () => {
    let store: AnyStore;
    const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    beforeAll(async () => {
      store = await options.create();
    });
    afterAll(async () => {
      await options.close?.();
    });
    const all = [
      ...checks,
      ...keyChecks,
      ...tenantsChecks,
      ...shadowChecks,
      ...blockChecks,
      ...storedLimitsChecks,
      ...settleChecks.map((check) => ({ ...check, settle: true })),
      ...[...concurrencyChecks, ...tenantsConcurrencyChecks, ...storedLimitsConcurrencyChecks].map((check) => ({
        ...check,
        concurrency: true,
      })),
      ...settleConcurrencyChecks.map((check) => ({ ...check, concurrency: true, settle: true })),
    ];
    all.forEach((check, i) => {
      const reason =
        options.skip?.[check.name] ??
        ("concurrency" in check && options.concurrency === false
          ? "this store does not support concurrency yet"
          : "settle" in check && options.settle === false
            ? 'this store cannot settle (its features do not list "settle")'
            : undefined);
      if (reason) {
        it.skip(`${check.name} (skipped: ${reason})`, () => {});
        return;
      }
      it(check.name, async () => {
        const context: CheckContext = { store, prefix: `t${run}c${i}`, traceLength: options.traceLength ?? 300 };
        await check.run(context);
      });
    });
  });
}
