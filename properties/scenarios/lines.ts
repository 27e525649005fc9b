/**
 * Lines of client code per cell, counted from the column files (columns/*.ts) by the rule stated
 * at the top of clients.ts: regions between `// client <column>:<ops> …` and `// end client`;
 * non-blank, non-comment lines; a region counts for a cell when it names the cell's column with an
 * op the scenario uses.
 *
 * The sources are read from disk: beside this module when running from the TypeScript sources
 * (vitest), or from the repository's `properties/scenarios/columns/` when running compiled from `dist/`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Region {
  /** Per column naming the region: the operations it is part of. */
  readonly uses: ReadonlyMap<string, readonly string[]>;
  /** Counted lines (non-blank, not comments). */
  readonly lines: number;
  /** 1-based line of the marker. */
  readonly at: number;
}

const MARKER = /^\s*\/\/ client ((?:\S+:\S+\s*)+)$/;
const END = /^\s*\/\/ end client\s*$/;
/** A comment line: `//`, `/*`, `/**`, or a block comment's ` * ` continuation — not a generator method (`*exec(x) {`). */
const COMMENT = /^\s*(\/\/|\/\*\*?|\*(\s|\/|$))/;

/** The regions of a client source text (`file` names it in errors). Throws on an unterminated or nested region. */
export function parseRegions(text: string, file = "clients.ts"): Region[] {
  const out: Region[] = [];
  let open: { uses: Map<string, string[]>; at: number; lines: number } | null = null;
  text.split("\n").forEach((line, i) => {
    const m = MARKER.exec(line);
    if (m) {
      if (open) throw new Error(`${file}:${i + 1}: a client region opens inside the one opened at line ${open.at}`);
      const uses = new Map<string, string[]>();
      for (const part of (m[1] as string).trim().split(/\s+/)) {
        const [column, ops] = part.split(":") as [string, string];
        uses.set(column, ops.split(","));
      }
      open = { uses, at: i + 1, lines: 0 };
      return;
    }
    if (END.test(line)) {
      if (!open) throw new Error(`${file}:${i + 1}: "// end client" without an open region`);
      out.push(open);
      open = null;
      return;
    }
    if (open && line.trim() !== "" && !COMMENT.test(line)) open.lines++;
  });
  if (open) throw new Error(`${file}: the region opened at line ${(open as { at: number }).at} never ends`);
  return out;
}

let cached: Region[] | undefined;

/** The regions of every column file (columns/*.ts, tests excluded), read once. */
export function clientRegions(): Region[] {
  if (cached) return cached;
  const candidates = [new URL("./columns/", import.meta.url), new URL("../../../properties/scenarios/columns/", import.meta.url)];
  const found = candidates.map((u) => fileURLToPath(u)).find((p) => existsSync(join(p, "shared.ts")));
  if (found === undefined) throw new Error("cannot find properties/scenarios/columns/*.ts to count client lines; run from the repository");
  const files = readdirSync(found).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts")).sort();
  cached = files.flatMap((f) => parseRegions(readFileSync(join(found, f), "utf8"), `columns/${f}`));
  return cached;
}

/** Lines of client code for `column` in a scenario that performs `ops`. */
export function linesFor(column: string, ops: ReadonlySet<string>, regions: readonly Region[] = clientRegions()): number {
  return regions.filter((r) => (r.uses.get(column) ?? []).some((o) => ops.has(o))).reduce((n, r) => n + r.lines, 0);
}
