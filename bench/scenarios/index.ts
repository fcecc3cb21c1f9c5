// Every scenario `npm run bench` runs, in order; each starts and stops its own backends.
import type { ScenarioOptions, ScenarioResult } from "../lib/result.ts";
import { runBundle } from "./bundle.ts";
import { runDurableObjects } from "./durable-objects.ts";
import { runDynamoDb } from "./dynamodb.ts";
import { runMemory } from "./memory.ts";
import { runPrefetch } from "./prefetch.ts";
import { runScale } from "./scale.ts";
import { runUpstash } from "./upstash.ts";

/** Scenario runners by name (the name `--only=` takes). */
export const SCENARIOS: Readonly<Record<string, (options: ScenarioOptions) => Promise<ScenarioResult>>> = {
  memory: runMemory,
  upstash: runUpstash,
  dynamodb: runDynamoDb,
  "durable-objects": runDurableObjects,
  bundle: runBundle,
  scale: runScale,
  prefetch: runPrefetch,
};
