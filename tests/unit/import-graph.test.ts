import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { circles, importGraph, specifiers } from "../support/import-graph.ts";

const ROOT = join(import.meta.dirname, "../..");
// The library and its adapters: everything that ships.
const FOLDERS = ["src", "durable-objects", "workers", "lambda", "vercel", "hono"];

describe("the import graph", () => {
  it("has no circle in src/ or the adapters, type-only imports included", () => {
    const graph = importGraph(ROOT, FOLDERS);
    expect(graph.size).toBeGreaterThan(50);
    expect(circles(graph)).toEqual([]);
  });

  it("reads every form of import and export, and only relative ones", () => {
    const source = [
      'import { a } from "./a.ts";',
      'import type { B } from "../b.ts";',
      'import {\n  type C,\n  c,\n} from "./c.ts";',
      'import * as d from "./d.ts";',
      'import "./e.ts";',
      'export { f } from "./f.ts";',
      'export type { G } from "./g.ts";',
      'export * from "./h.ts";',
      "type I = typeof import('./i.ts');",
      'import { DurableObject } from "cloudflare:workers";',
      'import { x } from "vitest";',
      'const s = "import from nowhere";',
    ].join("\n");
    expect(specifiers(source)).toEqual([
      "./a.ts",
      "../b.ts",
      "./c.ts",
      "./d.ts",
      "./e.ts",
      "./f.ts",
      "./g.ts",
      "./h.ts",
      "./i.ts",
    ]);
  });

  it("finds every circle, long or short, and nothing else", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c", "outside"]],
      ["c", ["a", "d"]], // a → b → c → a
      ["d", ["e"]],
      ["e", []],
      ["f", ["f"]], // imports itself
      ["g", ["e", "h"]],
      ["h", ["g"]], // g ⇄ h
    ]);
    expect(circles(graph)).toEqual([["a", "b", "c"], ["f"], ["g", "h"]]);
    expect(circles(new Map([...graph].filter(([file]) => file >= "d" && file !== "f" && file !== "h")))).toEqual([]);
  });
});
