/**
 * interlock's own TypeScript sources read as text: which files there are and which files each one
 * imports. The comparison's input hash follows the imports from compare-data.ts (scenarios/inputs.ts),
 * and the layer and family-switch tests walk the tree; one reading of import lines serves all of them.
 */
import { readdirSync, statSync } from "node:fs";
import { join, posix, relative } from "node:path";

/** Every non-test .ts source file under `root` (relative paths), leaving out folders and files named in `skipped` and dot-folders. */
export function sourceFiles(root: string, skipped: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (skipped.has(name)) continue;
      if (statSync(path).isDirectory()) {
        if (!name.startsWith(".")) walk(path);
      } else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) out.push(relative(root, path));
    }
  };
  walk(root);
  return out;
}

/** `import … from "…"`, `export … from "…"`, a side-effect `import "…"`, and `import("…")`, of a relative path. */
const importLine = /^\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"|^\s*import\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)/gms;

/** The files `source` (the text of `file`, a path relative to the repository root) imports relatively, as repository paths of .ts files. */
export function relativeImports(file: string, source: string): string[] {
  const from = posix.dirname(file.split("\\").join("/"));
  return [...source.matchAll(importLine)].map((m) => posix.normalize(posix.join(from, (m[1] ?? m[2] ?? m[3]) as string)).replace(/\.js$/, ".ts"));
}
