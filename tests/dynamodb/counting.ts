import {
  type ConsumedCapacity,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDbClient } from "../../src/stores/dynamodb.ts";

/** What a store sent, by kind, and the capacity DynamoDB reported (`ReturnConsumedCapacity: TOTAL`). */
export interface Counts {
  reads: number;
  writes: number;
  /** Writes that failed their condition (also counted in `writes`). DynamoDB Local reports no capacity for them. */
  failedWrites: number;
  deletes: number;
  readUnits: number;
  writeUnits: number;
}

const zero = (): Counts => ({ reads: 0, writes: 0, failedWrites: 0, deletes: 0, readUnits: 0, writeUnits: 0 });

/**
 * Wraps a client: every command the store sends is counted, asks for its consumed capacity, and goes on to
 * the real client unchanged otherwise. `take()` returns the counts since the last `take()` and starts again.
 */
export function counting(db: DynamoDBClient): { client: DynamoDbClient; counts: Counts; take(): Counts } {
  let counts = zero();
  const add = (capacity: ConsumedCapacity | undefined, kind: "read" | "write") => {
    const units = capacity?.CapacityUnits ?? 0;
    if (kind === "read") counts.readUnits += units;
    else counts.writeUnits += units;
  };
  const send = async (command: GetItemCommand | UpdateItemCommand | DeleteItemCommand, options?: object) => {
    command.input.ReturnConsumedCapacity = "TOTAL";
    if (command instanceof GetItemCommand) counts.reads++;
    else if (command instanceof UpdateItemCommand) counts.writes++;
    else if (command instanceof DeleteItemCommand) counts.deletes++;
    try {
      // biome-ignore lint/suspicious/noExplicitAny: one generic pass-through for the three commands
      const output: any = await db.send(command as any, options);
      add(output.ConsumedCapacity, command instanceof GetItemCommand ? "read" : "write");
      return output;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") counts.failedWrites++;
      throw error;
    }
  };
  return {
    client: { send } as DynamoDbClient,
    get counts() {
      return counts;
    },
    take() {
      const taken = counts;
      counts = zero();
      return taken;
    },
  };
}
