// Module scope runs once per container (the cold start): the DynamoDB client and the limiter are made here
// and reused by every invocation the container serves. Nothing here sends a request; the first decision does.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createRateLimiter, type Duration, gcra, type RateLimiter } from "../../src/index.ts";
import { dynamoDbStore } from "../../src/stores/dynamodb.ts";
import { readEnv } from "./env.ts";

/** Region and credentials come from the Lambda environment (`AWS_REGION`, the function's role). */
const client = new DynamoDBClient({});

/** The demo's limiter: `RATE_LIMIT` requests per `RATE_PERIOD` (spread evenly, bursts up to `RATE_LIMIT`) per client, counted in `TABLE_NAME`. */
export const limiter: RateLimiter = createRateLimiter({
  store: dynamoDbStore({ client, tableName: readEnv("tableName") }),
  rules: [gcra({ limit: Number(readEnv("limit")), period: readEnv("period") as Duration, name: "demo" })],
  prefix: "demo",
});
