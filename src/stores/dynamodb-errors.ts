import { StoreError } from "../errors.ts";

const STORE = "dynamodb";

/** The SDK's error for a conditional write that lost; with ALL_OLD it carries the current item. */
export function isConditionFailure(error: unknown): error is { Item?: Record<string, unknown> } {
  return (error as { name?: unknown } | null)?.name === "ConditionalCheckFailedException";
}

/**
 * Wraps an SDK or network error in a `StoreError` whose message says what to do. Setup mistakes (no table,
 * wrong key schema) name the fix; throttling, 5xx and network errors keep the cause, and the limiter's
 * `onStoreError` policy decides.
 */
export function storeError(error: unknown, tableName: string): StoreError {
  const name = (error as { name?: unknown } | null)?.name;
  const message = String((error as { message?: unknown } | null)?.message ?? error);
  if (name === "ResourceNotFoundException") {
    return new StoreError(
      STORE,
      `table "${tableName}" does not exist in this account and region: create it with ` +
        `new CreateTableCommand(createTableInput("${tableName}")) and enable TTL with ` +
        `new UpdateTimeToLiveCommand(timeToLiveInput("${tableName}")) (both from "edgelimit/dynamodb"), ` +
        "or fix tableName / the client's region",
      { cause: error },
    );
  }
  if (name === "ValidationException" && /key|schema/i.test(message)) {
    return new StoreError(
      STORE,
      `table "${tableName}" has the wrong key schema (${message}): its partition key must be a string ` +
        `attribute named "pk" with no sort key; create the table with createTableInput("${tableName}")`,
      { cause: error },
    );
  }
  if (name === "ProvisionedThroughputExceededException" || name === "ThrottlingException") {
    return new StoreError(STORE, `throttled (${name}): raise the table's capacity or use on-demand billing`, {
      cause: error,
    });
  }
  if (name === "AccessDeniedException" || name === "UnrecognizedClientException") {
    return new StoreError(
      STORE,
      `not allowed (${name}: ${message}): grant dynamodb:GetItem, dynamodb:UpdateItem and ` +
        `dynamodb:DeleteItem on table "${tableName}"`,
      { cause: error },
    );
  }
  return new StoreError(STORE, `request failed: ${typeof name === "string" ? `${name}: ` : ""}${message}`, {
    cause: error,
  });
}
