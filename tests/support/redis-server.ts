import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { RespConnection } from "./resp.ts";

export interface RedisServer {
  readonly port: number;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its temporary directory. */
  stop(): Promise<void>;
  /** Fault injection: SIGKILL, no shutdown; resolves once the process has exited (data is gone). */
  kill(): Promise<void>;
}

const INSTALL_HINT =
  "redis-server was not found on PATH. The Upstash store's tests run against a real redis-server: " +
  "install it with `apt-get update && apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS).";

/**
 * Starts `redis-server` from PATH on a free loopback port with no persistence (`--save '' --appendonly no`)
 * in a fresh temporary directory, and waits until it answers PING. Throws, never skips, when it is missing.
 * `port` restarts a server on the port of one that was killed (fault-injection tests).
 */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "edgelimit-redis-"));
  const port = options.port ?? (await freePort());
  const args = ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"];
  const child: ChildProcess = spawn("redis-server", [...args, "--dir", dir, "--daemonize", "no"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<Error>((resolve) => {
    child.once("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "ENOENT" ? new Error(INSTALL_HINT) : error),
    );
    child.once("exit", (code) => resolve(new Error(`redis-server exited with code ${code} before it was ready`)));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = (async () => {
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        const connection = await RespConnection.connect(port);
        await connection.send([["PING"]]);
        connection.close();
        return undefined;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    return new Error(`redis-server did not answer on port ${port} within 5 s`);
  })();
  const failure = await Promise.race([ready, exited]);
  if (failure) {
    await stop();
    throw failure;
  }
  return { port, stop, kill };
}
