// Facts about the machine and the installed packages, for the report.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The version in node_modules/<name>/package.json, or `?` when it cannot be read. */
export function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, "utf8")).version as string;
  } catch {
    return "?";
  }
}

/** Runs a full garbage collection when node was started with `--expose-gc`; otherwise does nothing. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

/** Whether heap figures are trustworthy (GC exposed). */
export function gcExposed(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === "function";
}

/** One line describing the machine: CPU model and count, memory, Node version, platform. */
export function machine(): string {
  const list = cpus();
  const model = list[0]?.model.trim() ?? "unknown CPU";
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `${list.length} × ${model}, ${gib} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** The repository root, with a trailing slash. */
export const repoRoot = ROOT;

/** `redis-server --version`'s version number, or `?`. */
export function redisVersion(): string {
  try {
    const out = execFileSync("redis-server", ["--version"], { encoding: "utf8" });
    return /v=(\S+)/.exec(out)?.[1] ?? "?";
  } catch {
    return "?";
  }
}
