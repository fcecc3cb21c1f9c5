// edgelimit/testing: a manual clock, stores and clients that fail on demand, and the reference store. It imports
// no test framework; the compliance suite, which needs vitest, is `edgelimit/testing/compliance`.
export {
  type ScriptCacheFaults,
  type ScriptClient,
  type SendClient,
  scriptCacheFaults,
  type WriteConflicts,
  writeConflicts,
} from "./client-faults.ts";
export { type ManualClock, manualClock, tomorrowAt } from "./clock.ts";
export { type FaultyStore, faultyStore, type InjectOptions, type StoreCall, type StoreFault } from "./faults.ts";
export { type Flaw, referenceStore } from "./reference-store.ts";
