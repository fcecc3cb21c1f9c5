import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Which files each file imports: paths relative to the root, `/`-separated. Only relative specifiers count. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

// `import … from "x"`, `import type … from "x"`, `export … from "x"`, `export * from "x"`, `import "x"` and
// `import("x")` (also in type positions). Type-only imports count: a circle of types is still a circle to read.
const SPECIFIER =
  /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{][^;"']*?\s+from\s+)?["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

/** The relative module specifiers in one file's source text, in order. */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2]!;
    if (specifier.startsWith(".")) found.push(specifier);
  }
  return found;
}

/** The import graph of every `.ts` file under `folders` (relative to `root`), test files excluded. */
export function importGraph(root: string, folders: readonly string[]): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const folder of folders) {
    for (const entry of readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })) {
      if (!entry.endsWith(".ts") || entry.endsWith(".test.ts") || entry.endsWith(".d.ts")) continue;
      const file = join(root, folder, entry);
      const from = relative(root, file).split("\\").join("/");
      graph.set(
        from,
        specifiers(readFileSync(file, "utf8")).map((s) =>
          relative(root, resolve(dirname(file), s))
            .split("\\")
            .join("/"),
        ),
      );
    }
  }
  return graph;
}

/**
 * Every circle: each group of files that reach one another through imports (a strongly connected component of
 * two or more files, or one file that imports itself), each group sorted, the groups sorted by their first file.
 */
export function circles(graph: ImportGraph): string[][] {
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue; // outside the folders looked at
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1 || graph.get(file)!.includes(file)) found.push(group.sort());
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  return found.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}
