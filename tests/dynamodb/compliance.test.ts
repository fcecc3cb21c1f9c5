import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { testStore } from "../../src/testing/compliance.ts";
import { client, createTable } from "./tables.ts";

const db = client();

// The default store: the cache makes most decisions one conditional write. Traces of 200 steps (not 300)
// keep the file near 10 s against DynamoDB Local; the two variants below run 100 steps.
testStore({
  name: "dynamodb",
  create: async () => dynamoDbStore({ client: db, tableName: await createTable(db, "compliance") }),
  traceLength: 200,
});

// No cache: every decision writes blind and retries on the item the failed write returns.
testStore({
  name: "dynamodb (cacheSize 0)",
  create: async () => dynamoDbStore({ client: db, tableName: await createTable(db, "nocache"), cacheSize: 0 }),
  traceLength: 100,
});

// Cold keys read first, and every cached denial is confirmed by a read.
testStore({
  name: "dynamodb (coldKey read, confirmDenialsAfterMs 0)",
  create: async () =>
    dynamoDbStore({
      client: db,
      tableName: await createTable(db, "coldread"),
      coldKey: "read",
      confirmDenialsAfterMs: 0,
    }),
  traceLength: 100,
  close: () => db.destroy(),
});
