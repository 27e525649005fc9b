import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { cellAt, decideCell, matrixHtml, type Matrix } from "./compare.js";
import { COMPARE_DATA_PATH, REGENERATE, type CompareData } from "./compare-data.js";
import { clients } from "./clients.js";
import { scenarios } from "./scenarios.js";

/**
 * The matrix as the checked-in data records it. That data is computed by
 * `interlock compare --update-readme` from every input that can move a verdict (inputs.ts hashes
 * them; reports/compare-catalogue.test.ts fails when it is stale), so deciding all 72 cells again
 * here (minutes) would repeat it; instead the tests below read it and re-decide one cell of each
 * column live, which must come out exactly as recorded.
 */
let data: CompareData;
let m: Matrix;
beforeAll(() => {
  const path = new URL(`../../${COMPARE_DATA_PATH}`, import.meta.url);
  if (!existsSync(path)) throw new Error(`${COMPARE_DATA_PATH} is missing: run \`${REGENERATE}\``);
  data = JSON.parse(readFileSync(path, "utf8")) as CompareData;
  m = { ...data.matrix, cells: data.matrix.cells.map((c) => ({ ...c, ms: 0 })) };
});

/** What each column must be, per scenario: the proposals and the baseline written with care are safe ("ok"); every naive variant is caught ("violation"). */
const expected: Readonly<Record<string, "ok" | "violation">> = {
  global_lock: "ok",
  runtime_store: "ok",
  refcounted_lock: "ok",
  module_slots: "ok",
  module_slots_lock: "ok",
  static_mutex: "ok",
  global_lock_naive: "violation",
  runtime_store_naive: "violation",
  static_mutex_naive: "violation",
};

describe("the comparison matrix", () => {
  it("has at least 5 families and 8 scenarios, and decides every cell", () => {
    expect(new Set(m.columns.map((c) => c.family)).size).toBeGreaterThanOrEqual(5);
    expect(m.scenarios.length).toBeGreaterThanOrEqual(8);
    expect(m.cells.length).toBe(clients.length * scenarios.length);
    expect(m.cells.filter((c) => c.verdict === "unknown")).toEqual([]);
  });

  it.each(clients.flatMap((c) => scenarios.map((s) => [c.column, s.id] as const)))("%s in %s has the expected verdict", (column, scenario) => {
    const cell = cellAt(m, scenario, column);
    expect(cell?.verdict, cell?.story).toBe(expected[column]);
    if (cell?.strategy === "bounded") expect(cell.fallback).toMatch(/maxStates/);
  });

  it("charges the extension author fewer lines with module slots or the refcounted lock than with the shipped static mutex for the henv case", () => {
    const lines = (col: string) => cellAt(m, "henv", col)?.lines ?? 0;
    expect(lines("module_slots")).toBeLessThan(lines("static_mutex"));
    expect(lines("refcounted_lock")).toBeLessThan(lines("static_mutex"));
  });

  it("renders a self-contained HTML page with a link to every counterexample", () => {
    const page = matrixHtml(m);
    expect(page).not.toMatch(/<script|https?:\/\//);
    for (const c of m.cells.filter((x) => x.verdict === "violation")) expect(page).toContain(`href="#cx-${c.scenario}-${c.column}"`);
  });

  // The cheapest recorded cell of each column (fewest states), decided again with the data's budget.
  const cheapest = (column: string) => [...data.matrix.cells].filter((c) => c.column === column).sort((a, b) => a.states - b.states)[0]!;
  it.each(clients.map((c) => c.column))("re-decides the cheapest recorded cell of %s exactly as the data records it (verdict, property, strategy, states)", (column) => {
    const recorded = cheapest(column);
    const client = clients.find((c) => c.column === column)!;
    const scenario = scenarios.find((s) => s.id === recorded.scenario)!;
    const live = decideCell(client, scenario, data.budgets.columns);
    const key = (c: { verdict: string; property?: string; strategy: string; states: number; token?: string }) => [c.verdict, c.property ?? "", c.strategy, c.states, c.token ?? ""];
    expect(key(live), `${column} in ${scenario.id} no longer decides as recorded: run \`${REGENERATE}\``).toEqual(key(recorded));
  });
});
