import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { testStore } from "../../src/testing/compliance.ts";
import { client, createTable } from "./tables.ts";

const db = client();

// The default store: the cache makes most decisions one conditional write. Traces of 120 steps (not 300) and 60 for
// the two variants below keep the file, which runs every check three times, near 40 s against DynamoDB Local on two
// cores; the DynamoDB fuzzer (tests/fuzz/dynamodb.test.ts) runs longer traces in every mode.
testStore({
  name: "dynamodb",
  create: async () => dynamoDbStore({ client: db, tableName: await createTable(db, "compliance") }),
  traceLength: 120,
});

// No cache: every decision writes blind and retries on the item the failed write returns.
testStore({
  name: "dynamodb (cacheSize 0)",
  create: async () => dynamoDbStore({ client: db, tableName: await createTable(db, "nocache"), cacheSize: 0 }),
  traceLength: 60,
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
  traceLength: 60,
  close: () => db.destroy(),
});
