import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

/** The package root (where package.json is). */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Node globals that do not exist in edge runtimes (EdgeVM, workerd without nodejs_compat). */
export const NODE_GLOBALS = ["process", "Buffer", "require", "__dirname", "__filename", "setImmediate", "global"];

/** Imports a bundle may leave to the platform, and which entry points may do so. */
const PLATFORM_IMPORTS: readonly { pattern: RegExp; allowedIn: readonly string[] }[] = [
  { pattern: /^cloudflare:/, allowedIn: ["./workers", "./durable-objects"] },
  { pattern: /^@aws-sdk\//, allowedIn: ["./dynamodb"] },
];

/** Entry points that target a Node.js runtime rather than an edge runtime, so the edge checks leave them out. */
export const NOT_EDGE: Readonly<Record<string, string>> = {
  "./lambda": "AWS Lambda runs Node.js, not an edge runtime",
  "./testing/compliance": "the compliance suite runs under vitest, never in a deployed Worker",
};

export interface EntryPoint {
  /** The `exports` key, e.g. `"./upstash"`. */
  readonly subpath: string;
  /** What a user imports, e.g. `"edgelimit/upstash"`. */
  readonly specifier: string;
  /** Absolute path of the source file the export points at. */
  readonly file: string;
  readonly exists: boolean;
}

/** Every public entry point, read from package.json's `exports`. */
export function entryPoints(): EntryPoint[] {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as {
    name: string;
    exports: Record<string, { "edgelimit-source": string }>;
  };
  return Object.entries(pkg.exports).map(([subpath, target]) => {
    // The source each export is built from (`dist/` is what npm publishes, built by `npm run build`).
    const file = `${ROOT}${target["edgelimit-source"].replace(/^\.\//, "")}`;
    return {
      subpath,
      specifier: subpath === "." ? pkg.name : `${pkg.name}${subpath.slice(1)}`,
      file,
      exists: existsSync(file),
    };
  });
}

export interface Bundle {
  readonly code: string;
  /** Bytes of the code, and of the code gzipped (zlib default level 6). */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Imports left to the platform (`cloudflare:*`, `@aws-sdk/*`, `node:*`). */
  readonly externalImports: readonly string[];
  /** Node globals the code reads as globals (locals, properties and strings of the same name do not count). */
  readonly nodeGlobals: readonly string[];
  /** The repository's files with code in the bundle (relative paths; tree-shaken files are left out). */
  readonly files: readonly string[];
}

export interface BundleOptions {
  minify?: boolean;
  format?: "esm" | "iife";
  /** With `"iife"`: the global the entry's exports are assigned to. */
  globalName?: string;
}

/**
 * Bundles one file as an edge runtime's bundler would (esbuild, platform "browser", conditions worker and browser).
 * Node globals are caught with `define`, which replaces only unbound global references with a marker.
 */
export async function bundle(entry: string, options: BundleOptions = {}): Promise<Bundle> {
  const define: Record<string, string> = {};
  for (const name of NODE_GLOBALS) {
    define[name] = `__EDGELIMIT_NODE_GLOBAL_${name}__`;
    define[`globalThis.${name}`] = `__EDGELIMIT_NODE_GLOBAL_${name}__`;
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    platform: "browser",
    format: options.format ?? "esm",
    ...(options.globalName ? { globalName: options.globalName } : {}),
    // `edgelimit-source`: "edgelimit/…" in fixtures resolves to the sources, as it does in the tests.
    conditions: ["worker", "browser", "edgelimit-source"],
    target: "es2022",
    minify: options.minify ?? false,
    external: ["node:*", "cloudflare:*", "@aws-sdk/*"],
    define,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  const externalImports = new Set<string>();
  const files: string[] = [];
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imported of output.imports) if (imported.external) externalImports.add(imported.path);
    for (const [file, input] of Object.entries(output.inputs)) if (input.bytesInOutput > 0) files.push(file);
  }
  const nodeGlobals = NODE_GLOBALS.filter((name) => code.includes(`__EDGELIMIT_NODE_GLOBAL_${name}__`));
  return {
    code,
    bytes: Buffer.byteLength(code),
    gzipBytes: gzipSync(code).length,
    externalImports: [...externalImports].sort(),
    nodeGlobals,
    files: files.sort(),
  };
}

/** External imports of a bundle that its entry point may not leave to the platform (every `node:*` among them). */
export function forbiddenImports(subpath: string, imports: readonly string[]): string[] {
  return imports.filter((path) => !PLATFORM_IMPORTS.some((p) => p.pattern.test(path) && p.allowedIn.includes(subpath)));
}

/** `1234` → `"1.21 KB"` (KiB, as bundlers report). */
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;
