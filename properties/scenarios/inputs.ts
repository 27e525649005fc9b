/**
 * The inputs of the comparison's checked-in data (compare.json): the column files, the mistake
 * definitions, the scenario files (everything under properties/scenarios/ but tests) and the
 * implementation files (impl/, but tests). Their content hash is recorded in the data; a cheap test
 * recomputes it and says "run interlock compare --update-readme" when it differs. (The explorer is
 * not an input: a change there that moves a verdict or a token is caught by the test's re-run of
 * recorded cells.)
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The folders whose .ts files (tests excluded) are the inputs, relative to the repository root. */
export const inputFolders: readonly string[] = ["impl", "properties/scenarios"];

/** The repository root holding the sources (from the TypeScript sources, or from dist/), or undefined when they are not there. */
export function sourceRoot(): string | undefined {
  const candidates = [new URL("../../", import.meta.url), new URL("../../../", import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((p) => existsSync(join(p, "properties", "scenarios", "scenarios.ts")) && existsSync(join(p, "impl", "index.ts")));
}

function tsFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir)).sort()) {
    const rel = `${dir}/${name}`;
    if (statSync(join(root, rel)).isDirectory()) out.push(...tsFiles(root, rel));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

/** The input files, sorted, relative to `root`. */
export function inputFiles(root: string): string[] {
  return inputFolders.flatMap((d) => tsFiles(root, d)).sort();
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
