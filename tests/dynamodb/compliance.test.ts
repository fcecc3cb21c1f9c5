import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { testStore } from "../compliance/suite.ts";
import { client, createTable } from "./tables.ts";

const db = client();

// The default store: the cache makes most decisions one conditional write.
testStore({
  name: "dynamodb",
  create: async () => dynamoDbStore({ client: db, tableName: await createTable(db, "compliance") }),
  close: () => db.destroy(),
});
