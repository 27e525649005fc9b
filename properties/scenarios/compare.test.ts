import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { cellAt, compareAll, matrixHtml, type Matrix } from "./compare.js";
import { COMPARE_DATA_PATH, REGENERATE, type CompareData } from "./compare-data.js";
import { clients } from "./clients.js";
import { scenarios } from "./scenarios.js";

/**
 * The whole matrix, computed once (the heaviest test file of the folder: every cell of 9 columns ×
 * 8 scenarios with 3 interpreters).
 */
let m: Matrix;
beforeAll(() => {
  m = compareAll();
}, 300_000);

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

  it("decides every cell as the checked-in data records it (README.md and the catalogue are rendered from that data)", () => {
    const path = new URL(`../../${COMPARE_DATA_PATH}`, import.meta.url);
    const data = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as CompareData) : undefined;
    if (data === undefined) throw new Error(`${COMPARE_DATA_PATH} is missing: run \`${REGENERATE}\``);
    // the data's budget is higher (more cells exhaustive), so strategies may differ; verdicts and properties may not
    const recorded = data.matrix.cells.map((c) => [c.scenario, c.column, c.verdict, c.property ?? ""]);
    expect(m.cells.map((c) => [c.scenario, c.column, c.verdict, c.property ?? ""]), `the recorded matrix is stale: run \`${REGENERATE}\``).toEqual(recorded);
  });
});
