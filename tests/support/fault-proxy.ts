import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fault switch in front of an HTTP endpoint (the Upstash bridge). `mode`:
 * - `"ok"`: forwards the request and its answer unchanged;
 * - `"500"`, `"401"`: answers that status with an Upstash-style JSON error, without forwarding;
 * - `"garbage"`: answers 200 with a body that is not JSON, without forwarding;
 * - `"slow"`: waits `slowMs`, then forwards only if the client is still there (a client that gave up has
 *   closed its socket, as an aborted fetch does), so a timed-out request never reaches Redis late.
 * `forwarded` counts requests that reached the target, `abandoned` slow requests the client gave up on.
 */
export async function startFaultProxy(target: string) {
  const state = { mode: "ok" as FaultMode, slowMs: 2000, forwarded: 0, abandoned: 0 };
  const server = createServer(async (request, response) => {
    const body = await read(request);
    let gone = false;
    response.on("close", () => {
      gone = !response.writableFinished;
    });
    const mode = state.mode;
    if (mode === "500") return response.writeHead(500).end('{"error":"ERR internal error"}');
    if (mode === "401") return response.writeHead(401).end('{"error":"Unauthorized"}');
    if (mode === "garbage") return response.writeHead(200).end("<html>\u0000\u0007 not json");
    if (mode === "slow") {
      await new Promise((resolve) => setTimeout(resolve, state.slowMs));
      if (gone || response.destroyed) {
        state.abandoned++;
        return;
      }
    }
    state.forwarded++;
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "content-type", "upstash-encoding"]) {
      const value = request.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const answer = await fetch(target + (request.url ?? "/"), { method: request.method ?? "POST", headers, body });
    response.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type FaultMode = "ok" | "500" | "401" | "garbage" | "slow";

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
