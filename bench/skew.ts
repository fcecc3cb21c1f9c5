// Clock skew: two isolates whose clocks are 5 s apart burst on one key at the same real moment, one after the
// other, in both orders. Prints what each store admitted next to one clock (no skew) and the bound that
// docs/consistency.md states (bench/skew-bound.ts, checked by tests/unit/clock-skew.test.ts).
// Run: npx node bench/skew.ts           memory store only (the reference semantics), instant
//      npx node bench/skew.ts --real    also Upstash (redis-server behind the local REST bridge) and DynamoDB Local
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import {
  createRateLimiter,
  fixedWindow,
  gcra,
  type RateLimiter,
  type RuleInput,
  slidingWindow,
  tokenBucket,
} from "../src/index.ts";
import type { AnyStore } from "../src/store-entry.ts";
import { createTableInput, dynamoDbStore } from "../src/stores/dynamodb.ts";
import { memoryStore } from "../src/stores/memory.ts";
import { upstashStore } from "../src/stores/upstash.ts";
import { localClient, startDynamoDbLocal } from "../tests/support/dynamodb-local.ts";
import { startUpstashBackend } from "../tests/support/upstash-bridge.ts";
import { overAdmissionBound } from "./skew-bound.ts";

const SKEW_MS = 5000;
// A fixed moment, 30 s into a minute: both clocks read the same 1-minute window (the fixed window's worst case,
// a window boundary between the two clocks, is the second fixed-window row).
const T = Date.UTC(2027, 0, 4, 12, 0, 30);

const CASES: { label: string; rule: () => RuleInput; at: number }[] = [
  { label: "gcra 100/min (burst 100)", rule: () => gcra({ limit: 100, period: "1m" }), at: T },
  { label: "slidingWindow 20 per 2 s", rule: () => slidingWindow({ limit: 20, window: "2s" }), at: T },
  { label: "fixedWindow 100/min", rule: () => fixedWindow({ limit: 100, window: "1m" }), at: T },
  {
    label: "fixedWindow 100/min, boundary between the clocks",
    rule: () => fixedWindow({ limit: 100, window: "1m" }),
    at: T + 27_500,
  },
  {
    label: "tokenBucket 100, +5 every 3 s",
    rule: () => tokenBucket({ capacity: 100, refillRate: 5, interval: "3s" }),
    at: T,
  },
];

/** Makes one isolate's store: each isolate has its own store instance (cache, connection), sharing the backend. */
type Backend = { name: string; isolate: () => AnyStore; serverClock?: true };

let serial = 0;

/** Each isolate bursts `attempts` times in turn (all of the first, then all of the second); returns the total admitted. */
async function burst(backend: Backend, rule: RuleInput, at: number, skews: readonly number[]): Promise<number> {
  const prefix = `skew-${Date.now().toString(36)}-${serial++}`;
  const shared = backend.isolate();
  const limiters: RateLimiter[] = skews.map((skew) =>
    createRateLimiter({
      store: backend.name === "memory" ? shared : backend.isolate(),
      rules: [rule],
      prefix,
      clock: () => at + skew,
      onStoreError: "throw",
      denyCache: false,
      timeout: 10_000,
    }),
  );
  let admitted = 0;
  for (const limiter of limiters) {
    for (let i = 0; i < 250; i++) if ((await limiter.limit("hot")).allowed) admitted++;
  }
  return admitted;
}

async function measure(backend: Backend): Promise<void> {
  console.log(`\n${backend.name}: admitted by two isolates, clocks ${SKEW_MS / 1000} s apart, 250 attempts each`);
  console.log("| rule | one clock | behind first | ahead first | bound |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const { label, rule, at } of CASES) {
    if (backend.serverClock && at !== T) continue; // the server's clock decides: no moment to place
    const one = await burst(backend, rule(), at, [0, 0]);
    const behindFirst = await burst(backend, rule(), at, [0, SKEW_MS]);
    const aheadFirst = await burst(backend, rule(), at, [SKEW_MS, 0]);
    const validated = createRateLimiter({ store: memoryStore(), rules: [rule()] }).config.rules[0]!;
    console.log(`| ${label} | ${one} | ${behindFirst} | ${aheadFirst} | ${overAdmissionBound(validated, SKEW_MS)} |`);
  }
}

await measure({ name: "memory", isolate: () => memoryStore() });

if (process.argv.includes("--real")) {
  const upstash = await startUpstashBackend();
  try {
    await measure({ name: "upstash", isolate: () => upstashStore({ url: upstash.url, token: upstash.token }) });
    await measure({
      name: 'upstash, clock: "redis"',
      isolate: () => upstashStore({ url: upstash.url, token: upstash.token, clock: "redis" }),
      serverClock: true,
    });
  } finally {
    await upstash.stop();
  }
  const local = await startDynamoDbLocal(90_000);
  try {
    const tableName = "edgelimit-skew";
    await local.client.send(new CreateTableCommand(createTableInput(tableName)));
    await measure({
      name: "dynamodb",
      isolate: () => dynamoDbStore({ client: localClient(local.endpoint), tableName }),
    });
  } finally {
    await local.stop();
  }
}
