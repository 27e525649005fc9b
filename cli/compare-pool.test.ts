import { describe, expect, it } from "vitest";
import { compareTasks, runCompareTask, type CompareTask } from "../properties/scenarios/compare-data.js";
import { runTasksOnWorkers } from "./compare-pool.js";

describe("interlock compare --jobs", () => {
  it("decides tasks on two workers exactly as one thread does, in task order", async () => {
    // Cheap tasks of both kinds: the naive static mutex's cells (a few hundred states each), and the
    // missing unlock caught in init-failure (tens of states) for two families.
    const all = compareTasks();
    const tasks: CompareTask[] = [
      ...all.filter((t) => t.kind === "column" && t.column === "static_mutex_naive").slice(0, 4),
      ...all.filter((t) => t.kind === "mistake" && (t.id === "static_mutex.unlock-missing-on-error" || t.id === "runtime_store.unlock-missing-on-error") && t.scenario === "init-failure"),
    ];
    expect(tasks).toHaveLength(6);
    const budgets = { columns: 20_000, catalogue: 20_000 };
    const seen: CompareTask[] = [];
    const pooled = await runTasksOnWorkers(tasks, budgets, 2, (t) => seen.push(t));
    const strip = (a: object) => JSON.parse(JSON.stringify(a, (k, v) => (k === "ms" ? undefined : v))) as unknown;
    expect(pooled.map(strip)).toEqual(tasks.map((t) => strip(runCompareTask(t, budgets))));
    expect(new Set(seen)).toEqual(new Set(tasks));
  }, 60_000);
});
