import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../support/dynamodb-local.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** `http://127.0.0.1:PORT` of the DynamoDB Local that this project's tests share. */
    dynamoDbEndpoint: string;
  }
}

/** One DynamoDB Local for every file of the project (Java starts in about 4 s); each file makes its own tables. */
export default async function setup(project: TestProject) {
  const local = await startDynamoDbLocal();
  project.provide("dynamoDbEndpoint", local.endpoint);
  return () => local.stop();
}
