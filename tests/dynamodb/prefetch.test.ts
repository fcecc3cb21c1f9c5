import { afterAll, beforeAll, expect, it } from "vitest";
import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { prefetchBurst } from "../support/prefetch-burst.ts";
import { client, createTable } from "./tables.ts";

const db = client();
let tableName = "";
beforeAll(async () => {
  tableName = await createTable(db, "prefetch");
});
afterAll(() => db.destroy());

it("prefetching over DynamoDB Local: a parallel burst from 3 isolates admits at most the limit, partly from held units", async () => {
  const { admitted, prefetched, left } = await prefetchBurst(dynamoDbStore({ client: db, tableName }), "burst");
  expect(admitted).toBeLessThanOrEqual(50);
  expect(admitted + left).toBeLessThanOrEqual(50);
  expect(prefetched).toBeGreaterThan(0);
});
