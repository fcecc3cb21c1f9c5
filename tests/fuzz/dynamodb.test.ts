import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createTableInput, dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { type DynamoDbLocal, localClient, startDynamoDbLocal } from "../support/dynamodb-local.ts";
import { REGRESSIONS } from "./regressions.ts";
import { fuzz, MODES, runTrace } from "./run.ts";

let local: DynamoDbLocal;
let db: DynamoDBClient;
beforeAll(async () => {
  local = await startDynamoDbLocal(90_000);
  db = localClient(local.endpoint);
}, 120_000);
afterAll(async () => {
  db?.destroy();
  await local?.stop();
});

let tables = 0;
/**
 * Stores on a new table, one per isolate (each with its own item cache), default options. No TTL is switched on:
 * traces run on tomorrow's clock, so nothing they write could expire by real time anyway.
 */
async function isolates(count: number) {
  const tableName = `edgelimit-fuzz-${++tables}`;
  await db.send(new CreateTableCommand(createTableInput(tableName)));
  return Array.from({ length: count }, () => dynamoDbStore({ client: db, tableName }));
}

describe("differential fuzz: DynamoDB Local against the memory store", () => {
  for (const mode of MODES) {
    it(mode.name, async () => {
      const stores = await isolates(mode.isolates);
      await fuzz(mode, 15, 30, async () => stores, { isolatedResets: true });
    });
  }
  for (const r of REGRESSIONS)
    it(`regression: ${r.name}`, async () => void (await runTrace(r.trace, await isolates(r.isolates), r.denyCache)));
});
