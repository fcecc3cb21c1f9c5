// Reads template.yaml with the CloudFormation short tags, and finds what the handlers and the store use in
// their source, so the template test compares the template with the code rather than with literals.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, type Tags } from "yaml";
import { DEMO_ENV, type DemoEnvName } from "../../lambda/demo/env.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const INTRINSICS = {
  Ref: "Ref",
  Condition: "Condition",
  GetAtt: "Fn::GetAtt",
  Sub: "Fn::Sub",
  Join: "Fn::Join",
  Select: "Fn::Select",
  Split: "Fn::Split",
  If: "Fn::If",
  Equals: "Fn::Equals",
  Not: "Fn::Not",
  And: "Fn::And",
  Or: "Fn::Or",
  FindInMap: "Fn::FindInMap",
  ImportValue: "Fn::ImportValue",
  Base64: "Fn::Base64",
  Cidr: "Fn::Cidr",
  GetAZs: "Fn::GetAZs",
  Transform: "Fn::Transform",
} as const;

/** `!Ref X` → `{ Ref: "X" }`, `!GetAtt A.B` → `{ "Fn::GetAtt": ["A", "B"] }`, and so on, scalar or sequence. */
export const CLOUDFORMATION_TAGS: Tags = Object.entries(INTRINSICS).flatMap(([short, long]) => [
  {
    tag: `!${short}`,
    resolve: (value: string) => ({ [long]: short === "GetAtt" ? value.split(".") : value }),
  },
  {
    tag: `!${short}`,
    collection: "seq" as const,
    resolve: (value: { toJSON(): unknown }) => ({ [long]: value.toJSON() }),
  },
  {
    tag: `!${short}`,
    collection: "map" as const,
    resolve: (value: { toJSON(): unknown }) => ({ [long]: value.toJSON() }),
  },
]);

// biome-ignore lint/suspicious/noExplicitAny: a parsed template is untyped JSON, navigated by the tests.
export type Json = any;

/** template.yaml as JSON, intrinsics as their long form. */
export function loadTemplate(): Json {
  return parse(readFileSync(join(ROOT, "template.yaml"), "utf8"), { customTags: CLOUDFORMATION_TAGS });
}

/**
 * The environment variables a handler reads: `readEnv("x")` calls and `process.env.X` reads in its entry
 * file and every file it imports by a relative path, transitively.
 */
export function envReadBy(entry: string): string[] {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const [, role] of source.matchAll(/readEnv\("(\w+)"\)/g)) names.add(DEMO_ENV[role as DemoEnvName]);
    for (const [, name] of source.matchAll(/process\.env\.(\w+)/g)) names.add(name!);
    for (const [, path] of source.matchAll(/from "(\.\.?\/[^"]+\.ts)"/g)) visit(resolve(dirname(file), path!));
  };
  visit(join(ROOT, entry));
  return [...names].sort();
}

/** Those of `files` (relative to the root) whose source reads `process.env` with a computed name. */
export function dynamicEnvReads(files: string[]): string[] {
  return files.filter((file) => /process\.env\[/.test(readFileSync(join(ROOT, file), "utf8")));
}

/**
 * `dynamodb:<Operation>` for every `<Operation>Command` the DynamoDB store's files import as a value from
 * `@aws-sdk/client-dynamodb` (type-only imports and mentions in comments send nothing).
 */
export function storeActions(): string[] {
  const actions = new Set<string>();
  const files = readdirSync(join(ROOT, "src/stores")).filter((file) => /^dynamodb.*\.ts$/.test(file));
  for (const file of files) {
    const source = readFileSync(join(ROOT, "src/stores", file), "utf8");
    for (const [, names] of source.matchAll(/import \{([^}]*)\} from "@aws-sdk\/client-dynamodb"/g)) {
      for (const name of names!.split(",").map((n) => n.trim())) {
        const operation = /^(\w+)Command$/.exec(name)?.[1];
        if (operation) actions.add(`dynamodb:${operation}`);
      }
    }
  }
  return [...actions].sort();
}
