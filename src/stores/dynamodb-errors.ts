/** The SDK's error for a conditional write that lost; with ALL_OLD it carries the current item. */
export function isConditionFailure(error: unknown): error is { Item?: Record<string, unknown> } {
  return (error as { name?: unknown } | null)?.name === "ConditionalCheckFailedException";
}

/**
 * What to say about an SDK or network error, for `toStoreError`: setup mistakes (no table, wrong key schema)
 * name the fix; throttling, 5xx and network errors say what failed, and the limiter's `onStoreError` policy decides.
 */
export function dynamoDbMessage(error: unknown, tableName: string): string {
  const name = (error as { name?: unknown } | null)?.name;
  const message = String((error as { message?: unknown } | null)?.message ?? error);
  if (name === "ResourceNotFoundException") {
    return (
      `table "${tableName}" does not exist in this account and region: create it with ` +
      `new CreateTableCommand(createTableInput("${tableName}")) and enable TTL with ` +
      `new UpdateTimeToLiveCommand(timeToLiveInput("${tableName}")) (both from "edgelimit/dynamodb"), ` +
      "or fix tableName / the client's region"
    );
  }
  if (name === "ValidationException" && /key|schema/i.test(message)) {
    return (
      `table "${tableName}" has the wrong key schema (${message}): its partition key must be a string ` +
      `attribute named "pk" with no sort key; create the table with createTableInput("${tableName}")`
    );
  }
  if (name === "ProvisionedThroughputExceededException" || name === "ThrottlingException") {
    return `throttled (${name}): raise the table's capacity or use on-demand billing`;
  }
  if (name === "AccessDeniedException" || name === "UnrecognizedClientException") {
    return (
      `not allowed (${name}: ${message}): grant dynamodb:GetItem, dynamodb:UpdateItem and ` +
      `dynamodb:DeleteItem on table "${tableName}"`
    );
  }
  return `request failed: ${typeof name === "string" ? `${name}: ` : ""}${message}`;
}
