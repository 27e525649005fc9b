/**
 * The mutant catalogue's benchmark (`node dist/bench/mutants.js` after `npm run build`):
 *   - time to the first counterexample per strategy, median and max over the catalogue
 *     (goal: median ≤ 50 ms, max ≤ 2 s);
 *   - the shrunk counterexample's length against the shortest possible (goal ≤ 1.2×), where the
 *     shortest possible is the fewest steps of ANY execution showing the same kind and property of
 *     violation, found by a breadth-first search over schedules (properties/verify/mutant-runs.ts
 *     `fewestSteps`: merges states only when memory, positions and the history up to renaming agree,
 *     so the first level with a violation is the true minimum) under the explorer's default limits.
 * Prints a table and, with --json, the rows as JSON.
 */
import { mutants } from "../impl/mutants/index.js";
import { mutantConfig } from "../impl/mutants/mutant.js";
import { toPrograms } from "../properties/judge/agreement.js";
import { fewestSteps, mutantHooks, renderMutantTable, runMutants, type StrategyKind } from "../properties/verify/mutant-runs.js";

const json = process.argv.includes("--json");
const strategies: StrategyKind[] = ["exhaustive", "bounded", "pct", "random"];
const started = performance.now();
const rows = runMutants({ strategies, seed: 1, budgetMs: 20_000 });

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const lines: string[] = [renderMutantTable(rows), ""];
lines.push("time to first counterexample (ms), over the catalogue:");
for (const k of strategies) {
  const times = rows.flatMap((r) => r.results.filter((o) => o.strategy === k && o.caught).map((o) => o.ms));
  const missed = rows.filter((r) => r.results.some((o) => o.strategy === k && !o.caught)).map((r) => r.id);
  lines.push(
    `  ${k.padEnd(10)} median ${median(times).toFixed(1)}  max ${Math.max(...times).toFixed(1)}  caught ${times.length}/${rows.length}` + (missed.length ? `  missed: ${missed.join(", ")}` : ""),
  );
}

lines.push("", "counterexample length (exhaustive's, shrunk) against the shortest possible (BFS):");
const ratios: number[] = [];
const lengths = mutants.map((m) => {
  const row = rows.find((r) => r.id === m.id);
  const o = row?.results.find((x) => x.strategy === "exhaustive");
  if (o === undefined || !o.caught) return { id: m.id, shrunk: null, shortest: null, ratio: null };
  const bfs = fewestSteps(m.subject(mutantConfig(m)), toPrograms(m.programs), mutantHooks(m), (v) => v.kind === o.kind && v.property === o.property);
  const ratio = bfs === undefined || o.steps === null ? null : o.steps / bfs.steps;
  if (ratio !== null) ratios.push(ratio);
  lines.push(`  ${m.id.padEnd(30)} shrunk ${String(o.steps).padStart(4)} steps / ${o.preemptions} preemptions; shortest ${bfs === undefined ? "n/a (state limit)" : `${bfs.steps} steps (${bfs.states} states)`}; ratio ${ratio === null ? "n/a" : ratio.toFixed(2)}`);
  return { id: m.id, shrunk: o.steps, shortest: bfs?.steps ?? null, ratio };
});
lines.push(`  ratio median ${median(ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)} (goal ≤ 1.2)`);
lines.push("", `total ${((performance.now() - started) / 1000).toFixed(1)} s`);

if (json) console.log(JSON.stringify({ rows, lengths }, null, 2));
else console.log(lines.join("\n"));
