import { CreateTableCommand, type DynamoDBClient, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";
import { createTableInput, timeToLiveInput } from "../../src/stores/dynamodb.ts";
import { localClient } from "../support/dynamodb-local.ts";

let tables = 0;

/** A client for the project's DynamoDB Local (see global-setup.ts). */
export function client(): DynamoDBClient {
  return localClient(inject("dynamoDbEndpoint"));
}

/** Creates a limiter table (as a user's setup script would: createTableInput + timeToLiveInput); returns its name. */
export async function createTable(db: DynamoDBClient, hint: string): Promise<string> {
  const name = `edgelimit-${hint}-${process.pid}-${++tables}-${Date.now().toString(36)}`;
  await db.send(new CreateTableCommand(createTableInput(name)));
  await db.send(new UpdateTimeToLiveCommand(timeToLiveInput(name)));
  return name;
}
