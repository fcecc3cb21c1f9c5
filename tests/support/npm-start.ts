import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

export interface RunningWorker {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Everything npm and wrangler printed so far. */
  output(): string;
  /** Stops the whole process group (npm, sh, wrangler, workerd) and removes the state directory. */
  stop(): Promise<void>;
}

/**
 * Runs `npm start` (wrangler dev with the demo Worker) on a free loopback port, with its Durable Object
 * state in a fresh temporary directory, and resolves once it answers. `vars` override wrangler.toml's [vars].
 * The process gets its own group (`detached`), because killing npm alone orphans wrangler and workerd.
 */
export async function startDemo(
  options: { vars?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunningWorker> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stateDir = mkdtempSync(join(tmpdir(), "edgelimit-start-"));
  const vars = Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const child = spawn("npm", ["start", "--", "--persist-to", stateDir, ...vars], {
    env: { ...process.env, PORT: String(port) },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      const kill = (signal: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // the group is gone already
        }
      };
      const force = setTimeout(() => kill("SIGKILL"), 5000);
      kill("SIGTERM");
      await exited;
      clearTimeout(force);
    }
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`npm start did not answer in time:\n${output}`);
      try {
        // A reserved address, so that the probe uses no client's quota.
        await (await fetch(url, { headers: { "CF-Connecting-IP": "192.0.2.250" } })).arrayBuffer();
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output: () => output, stop };
}
