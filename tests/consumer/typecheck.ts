// Type-checks a consumer project with TypeScript 5.x, the compiler most consumers use (the project itself builds
// with TypeScript 7). tests/consumer/typescript5 is a linked package, so its `tsc` stays out of node_modules/.bin.
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import type * as TS from "./typescript5/node_modules/typescript";

const ROOT = join(import.meta.dirname, "../..");
const ts = createRequire(join(ROOT, "tests/consumer/typescript5/package.json"))("typescript") as typeof TS;

export const TYPESCRIPT5_VERSION = ts.version;

/** The four `moduleResolution` settings a consumer's tsconfig may have, each with the `module` it requires. */
export const RESOLUTIONS = {
  node10: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Node10 },
  node16: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
  nodenext: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
  bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
} as const;
export type Resolution = keyof typeof RESOLUTIONS;

export interface ConsumerProgram {
  /** Folder of the consumer (its package.json and node_modules). */
  dir: string;
  /** Source files, relative to `dir`. */
  files: string[];
  resolution: Resolution;
  lib: string[];
  types: string[];
  skipLibCheck?: boolean;
}

// Lib files and the peers' declarations are the same in every program: parse them once.
const parsed = new Map<string, TS.SourceFile>();

/**
 * Diagnostics of a strict consumer program, as `file(line): TScode message` with paths relative to `dir`. Only those
 * in the consumer's own files and in edgelimit's declarations: a peer's own declaration errors are not ours.
 */
export function typecheck(program: ConsumerProgram): string[] {
  const options: TS.CompilerOptions = {
    ...RESOLUTIONS[program.resolution],
    target: ts.ScriptTarget.ES2022,
    lib: program.lib.map((l) => `lib.${l.toLowerCase()}.d.ts`),
    types: program.types,
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    skipLibCheck: program.skipLibCheck ?? false,
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, onError) => {
    const own = fileName.startsWith(program.dir) && !fileName.includes("/node_modules/");
    const cached = own ? undefined : parsed.get(fileName);
    if (cached) return cached;
    const file = read(fileName, language, onError);
    if (file && !own && !fileName.includes("/node_modules/edgelimit/")) parsed.set(fileName, file);
    return file;
  };
  const roots = program.files.map((f) => join(program.dir, f));
  const built = ts.createProgram(roots, options, host);
  // Checking only these files keeps a run short: the checker then reads a peer's declarations only as far as
  // edgelimit's types use them (the AWS SDK's alone take seconds to check in full).
  const ours = built
    .getSourceFiles()
    .filter((f) => !f.fileName.includes("/node_modules/") || f.fileName.includes("/node_modules/edgelimit/"));
  return [
    ...built.getOptionsDiagnostics(),
    ...built.getGlobalDiagnostics(),
    ...ours.flatMap((f) => [...built.getSyntacticDiagnostics(f), ...built.getSemanticDiagnostics(f)]),
  ].map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (!d.file || d.start === undefined) return `TS${d.code} ${text}`;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
    return `${relative(program.dir, d.file.fileName)}(${line}): TS${d.code} ${text}`;
  });
}
