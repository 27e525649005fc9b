import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { relativeImports, sourceFiles } from "../properties/io/source-files.js";

/**
 * The layer order of the source tree, lowest first. A file may import from its own layer or any
 * layer below it, never from one above: the model knows nothing of implementations, the engine
 * (checker, explorer) nothing of verdict wiring, reports nothing of the command line. `index.ts`
 * (the package entry) sits on top. properties/ has no loose files: each of its sub-folders is a
 * layer of its own (properties/README.md says what each holds). A folder not listed here, or a
 * file left loose in properties/, is a test failure until it is placed.
 */
const layers: readonly (readonly string[])[] = [
  ["model"],
  ["impl"],
  ["properties/checker"], // engine: linearizability of recorded histories
  ["properties/explorer"], // engine: controlled interleavings
  ["properties/workload"], // the programs explored and stressed (typical, generated, critical)
  ["properties/io"], // files read and written: histories, programs, bounded input
  ["properties/judge"], // model agreement, P1-P9 classification, counterexamples
  ["properties/verify"], // runs: verify jobs, mutant runs, thread stress
  ["properties/scenarios"], // the client contract, scenario workloads, comparison matrix
  ["reports"],
  ["cfront"],
  ["bench"],
  ["cli"],
  ["index.ts"],
];

const skipped = new Set(["node_modules", "dist", ".git", "api", "test", "examples", "test-artifacts", "interlock-out", "include", "vitest.config.ts"]);

/** The layer a source file belongs to: its folder, or for properties/ its sub-folder. */
function unitOf(file: string): string {
  const parts = file.split("/");
  if (parts.length === 1) return file;
  if (parts[0] === "properties" && parts.length > 2) return `properties/${parts[1]}`;
  return parts[0] as string;
}

const rank = (unit: string): number => layers.findIndex((l) => l.includes(unit));

/** Every relative import (value, type, side-effect or dynamic) of every non-test source file under `root`. */
function importGraph(root: string): Map<string, string[]> {
  return new Map(sourceFiles(root, skipped).map((file) => [file, relativeImports(file, readFileSync(join(root, file), "utf8"))]));
}

/**
 * Imports that go up the layer order or out of the layered tree (test/, examples/, …), files in no
 * layer and files left loose in properties/, as readable lines.
 */
function layerViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) {
    const from = rank(unitOf(file));
    if (unitOf(file) === "properties") {
      out.push(`${file} is loose in properties/: move it into the sub-folder of its layer`);
      continue;
    }
    if (from < 0) {
      out.push(`${file} is in no layer: add ${unitOf(file)} to the layer table`);
      continue;
    }
    for (const target of targets) {
      const to = rank(unitOf(target));
      if (to < 0) out.push(`${file} imports ${target}: ${unitOf(target)} is outside the layered source tree`);
      else if (to > from) out.push(`${file} imports ${target}: ${unitOf(file)} may not import from the higher layer ${unitOf(target)}`);
    }
  }
  return out;
}

/** Import cycles among files (Tarjan's strongly connected components of more than one file). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** Whether `to` can be reached from `from` along import edges. */
function reaches(graph: ReadonlyMap<string, readonly string[]>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length > 0) {
    const f = todo.pop() as string;
    if (f === to) return true;
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...(graph.get(f) ?? []));
  }
  return false;
}

const repo = join(dirname(new URL(import.meta.url).pathname), "..");

describe("the source tree's layers", () => {
  it("no file imports from a layer above its own", () => {
    expect(layerViolations(importGraph(repo))).toEqual([]);
  });

  it("no two source files import each other, directly or through others", () => {
    expect(importCycles(importGraph(repo))).toEqual([]);
  });

  it("a model file importing an implementation is reported, and so is the cycle it closes", () => {
    const graph = importGraph(join(repo, "test/fixtures/layers"));
    expect(layerViolations(graph)).toEqual(["model/wrong.ts imports impl/mutex.ts: model may not import from the higher layer impl"]);
    expect(importCycles(graph)).toEqual([["impl/mutex.ts", "model/wrong.ts"]]);
  });

  it("in properties/, the judge importing from verify/ is reported, and so are the cycle it closes and a loose file", () => {
    const graph = importGraph(join(repo, "test/fixtures/layers-properties"));
    expect(layerViolations(graph).sort()).toEqual([
      "properties/helpers.ts is loose in properties/: move it into the sub-folder of its layer",
      "properties/judge/verdict.ts imports properties/verify/run.ts: properties/judge may not import from the higher layer properties/verify",
    ]);
    expect(importCycles(graph)).toEqual([["properties/judge/verdict.ts", "properties/verify/run.ts"]]);
  });

  it("the two cycles the code review named (cli/main ↔ cli/commands, model/index ↔ model/carry) are gone, and either one coming back is reported", () => {
    const graph = importGraph(repo);
    const mutual = (a: string, b: string): boolean => reaches(graph, a, b) && reaches(graph, b, a);
    expect(reaches(graph, "cli/main.ts", "cli/commands.ts")).toBe(true);
    expect(mutual("cli/main.ts", "cli/commands.ts")).toBe(false);
    expect(reaches(graph, "model/index.ts", "model/carry.ts")).toBe(true);
    expect(mutual("model/index.ts", "model/carry.ts")).toBe(false);
    const back = new Map(graph);
    back.set("model/carry.ts", [...(graph.get("model/carry.ts") ?? []), "model/index.ts"]);
    back.set("cli/commands.ts", [...(graph.get("cli/commands.ts") ?? []), "cli/main.ts"]);
    const cycles = importCycles(back);
    expect(cycles.some((c) => c.includes("model/carry.ts") && c.includes("model/index.ts"))).toBe(true);
    expect(cycles.some((c) => c.includes("cli/commands.ts") && c.includes("cli/main.ts"))).toBe(true);
  });

  it("production code importing from test/ is reported as outside the layered tree", () => {
    expect(layerViolations(new Map([["reports/x.ts", ["test/fixtures/y.ts"]]]))).toEqual(["reports/x.ts imports test/fixtures/y.ts: test is outside the layered source tree"]);
  });

  it("a folder outside the layer table is reported rather than let through", () => {
    expect(layerViolations(new Map([["plugins/x.ts", []]]))).toEqual(["plugins/x.ts is in no layer: add plugins to the layer table"]);
  });
});
