import type { RemoteStore, Store } from "../../src/store-entry.ts";
import { referenceStore } from "../../src/testing/reference-store.ts";

/** A remote-style store (no `local`) whose health the test switches, counting every call made to it. */
export function flakyStore(): RemoteStore & { mode: "ok" | "fail" | "hang"; calls: number } {
  const inner = referenceStore();
  const flaky = {
    ...inner,
    name: "flaky",
    mode: "ok" as "ok" | "fail" | "hang",
    calls: 0,
    apply(request: Parameters<Store["apply"]>[0]) {
      flaky.calls++;
      if (flaky.mode === "fail") return Promise.reject(new Error("connection reset"));
      if (flaky.mode === "hang") return new Promise<never>(() => {});
      return inner.apply(request);
    },
  };
  return flaky;
}
