// Module scope runs once per container (the cold start): the DynamoDB client and the limiter are made here
// and reused by every invocation the container serves. Nothing here sends a request; the first decision does.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createRateLimiter, type Duration, fixedWindow, type RateLimiter } from "../../src/index.ts";
import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { readEnv } from "./env.ts";

/** Region and credentials come from the Lambda environment (`AWS_REGION`, the function's role). */
const client = new DynamoDBClient({});

/** The demo's limiter: `RATE_LIMIT` requests per `RATE_WINDOW` per client, counted in `TABLE_NAME`. */
export const limiter: RateLimiter = createRateLimiter({
  store: dynamoDbStore({ client, tableName: readEnv("tableName") }),
  rules: [fixedWindow({ limit: Number(readEnv("limit")), window: readEnv("window") as Duration, name: "demo" })],
  prefix: "demo",
});
