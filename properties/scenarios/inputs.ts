/**
 * The inputs of the comparison's checked-in data (compare.json): every source file the computation
 * reaches — compare-data.ts and, transitively, each file it imports (the column files, the mistake
 * definitions, the scenarios, the implementations, the models, the explorer, the judge). Their
 * content hash is recorded in the data; a cheap test recomputes it and says "run interlock compare
 * --update-readme" when it differs, so no change that can move a verdict, a state count or a token
 * goes unnoticed while the tests read the recorded data instead of deciding every cell again.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { relativeImports } from "../io/source-files.js";

/** Where the computation starts, relative to the repository root. */
const entry = "properties/scenarios/compare-data.ts";

/** The repository root holding the sources (from the TypeScript sources, or from dist/), or undefined when they are not there. */
export function sourceRoot(): string | undefined {
  const candidates = [new URL("../../", import.meta.url), new URL("../../../", import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((p) => existsSync(join(p, "properties", "scenarios", "scenarios.ts")) && existsSync(join(p, "impl", "index.ts")));
}

/** The input files: the entry and every file it reaches by relative imports, sorted, relative to `root`. */
export function inputFiles(root: string): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    for (const next of relativeImports(file, readFileSync(join(root, file), "utf8"))) {
      if (seen.has(next) || !existsSync(join(root, next))) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return [...seen].sort();
}

/** sha256 over every input file's path and content (line endings normalised), in path order. */
export function inputsHash(root: string): string {
  const h = createHash("sha256");
  for (const f of inputFiles(root)) {
    h.update(relative(root, join(root, f)).split("\\").join("/"));
    h.update("\0");
    h.update(readFileSync(join(root, f), "utf8").replace(/\r\n/g, "\n"));
    h.update("\0");
  }
  return `sha256:${h.digest("hex")}`;
}
