import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createTableInput, dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { type DynamoDbLocal, localClient, startDynamoDbLocal } from "../support/dynamodb-local.ts";
import { fuzz, MODES } from "./run.ts";

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

// Each isolate is its own store instance (its own item cache) on one table, with the default options. No TTL is
// switched on: traces run on tomorrow's clock, so nothing they write could expire by real time anyway.
describe("differential fuzz: DynamoDB Local against the memory store", () => {
  for (const mode of MODES) {
    it(mode.name, async () => {
      const tableName = `edgelimit-fuzz-${mode.isolates}-${mode.denyCache ? "cache" : "nocache"}`;
      await db.send(new CreateTableCommand(createTableInput(tableName)));
      const store = () => dynamoDbStore({ client: db, tableName });
      await fuzz(mode, 8, 25, async () => Array.from({ length: mode.isolates }, store));
    });
  }
});
