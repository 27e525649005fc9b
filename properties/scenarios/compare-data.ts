/**
 * The comparison's checked-in data (properties/scenarios/compare.json): the matrix (every scenario
 * against every column, compare.ts) and the judged mistake catalogue (mistakes/), with the budgets
 * they were decided with and the content hash of their inputs (inputs.ts). `interlock compare
 * --update-readme` writes it; the README block, the catalogue page and the HTML page are rendered
 * from it (reports/compare-catalogue.ts), and the designer summary is computed from it here — so
 * no figure a designer reads is written by hand. Deterministic: no timings.
 */
import { clients } from "./clients.js";
import { decideCell, matrixOf, type Cell, type Matrix } from "./compare.js";
import { catalogue, catalogueFamilies, mistakeKinds, type MistakeEntry, type MistakeKind } from "./mistakes/catalogue.js";
import { judgedEntryOf, judgeEntryIn, type CatalogueCell, type JudgedEntry } from "./mistakes/judge.js";
import { scenarios } from "./scenarios.js";

/** The one command that regenerates the data, the README block and the catalogue page. */
export const REGENERATE = "node bin/interlock.mjs compare --update-readme";

/** Where the data lives, relative to the repository root. */
export const COMPARE_DATA_PATH = "properties/scenarios/compare.json";

export const defaultColumnStates = 1_000_000;
export const defaultCatalogueStates = 100_000;

/** A matrix cell as recorded (no timing). */
export type RecordedCell = Omit<Cell, "ms">;

export interface CompareData {
  readonly version: 1;
  readonly regenerate: string;
  /** inputs.ts `inputsHash` of the sources the data was computed from. */
  readonly inputsHash: string;
  /** State budgets of the exhaustive searches (matrix cells, catalogue cells) before the ≤ 2 preemption fallback. */
  readonly budgets: { readonly columns: number; readonly catalogue: number };
  readonly matrix: Omit<Matrix, "cells"> & { readonly cells: readonly RecordedCell[] };
  readonly kinds: readonly MistakeKind[];
  readonly catalogue: readonly JudgedEntry[];
}

export interface BuildOptions {
  readonly inputsHash: string;
  readonly columnStates?: number;
  readonly catalogueStates?: number;
  /** Catalogue entries to judge (default all). */
  readonly entries?: readonly MistakeEntry[];
  readonly onCell?: (what: string) => void;
}

/**
 * One unit of the comparison's work, independent of every other: a matrix cell (a column in a
 * scenario), or a possible catalogue entry in one scenario. Plain data, so a worker thread can take
 * it (`interlock compare --jobs`); each is deterministic, so the data does not depend on who ran it.
 */
export type CompareTask =
  | { readonly kind: "column"; readonly column: string; readonly scenario: string }
  | { readonly kind: "mistake"; readonly id: string; readonly scenario: string };

/** A task's answer: the matrix cell, or the catalogue cell. */
export type CompareAnswer = Cell | CatalogueCell;

/** The state budgets of the two kinds of task. */
export interface CompareBudgets {
  readonly columns: number;
  readonly catalogue: number;
}

/** Every task of a comparison, matrix cells first (scenario by scenario, columns in order), then the catalogue's possible entries scenario by scenario. */
export function compareTasks(entries: readonly MistakeEntry[] = catalogue): CompareTask[] {
  const columnTasks = scenarios.flatMap((s) => clients.map((c): CompareTask => ({ kind: "column", column: c.column, scenario: s.id })));
  const mistakeTasks = entries.flatMap((e) => (e.possible ? scenarios.map((s): CompareTask => ({ kind: "mistake", id: e.id, scenario: s.id })) : []));
  return [...columnTasks, ...mistakeTasks];
}

/** Runs one task. */
export function runCompareTask(t: CompareTask, budgets: CompareBudgets): CompareAnswer {
  const scenario = scenarios.find((s) => s.id === t.scenario);
  if (scenario === undefined) throw new Error(`no scenario ${t.scenario}`);
  if (t.kind === "column") {
    const client = clients.find((c) => c.column === t.column);
    if (client === undefined) throw new Error(`no column ${t.column}`);
    return decideCell(client, scenario, budgets.columns);
  }
  const e = catalogue.find((x) => x.id === t.id);
  if (e === undefined || !e.possible) throw new Error(`no possible catalogue entry ${t.id}`);
  return judgeEntryIn(e, scenario, budgets.catalogue);
}

/** A task's answer as a progress line. */
export function describeAnswer(t: CompareTask, a: CompareAnswer): string {
  return t.kind === "column" ? `${t.scenario} × ${t.column}: ${(a as Cell).verdict}` : `${t.scenario} × ${t.id}: ${(a as CatalogueCell).status}`;
}

/** The data from the answers of `compareTasks(entries)`, in that order: the matrix with its timings (for the full report), and the recorded data. */
export function assembleCompareData(o: BuildOptions, budgets: CompareBudgets, answers: readonly CompareAnswer[]): { readonly data: CompareData; readonly timed: Matrix } {
  const columnCount = scenarios.length * clients.length;
  const m = matrixOf(scenarios, clients, answers.slice(0, columnCount) as Cell[]);
  let next = columnCount;
  const judged = (o.entries ?? catalogue).map((e) => judgedEntryOf(e, e.possible ? (answers.slice(next, (next += scenarios.length)) as CatalogueCell[]) : []));
  if (next !== answers.length) throw new Error(`assembleCompareData: ${answers.length} answers for ${next} tasks`);
  const cells = m.cells.map(({ ms: _ms, ...rest }) => rest);
  return { data: { version: 1, regenerate: REGENERATE, inputsHash: o.inputsHash, budgets, matrix: { ...m, cells }, kinds: mistakeKinds, catalogue: judged }, timed: m };
}

/** Decides the matrix and judges the catalogue, one task after another: the data, and the matrix with its timings (for the full report). */
export function buildCompareData(o: BuildOptions): { readonly data: CompareData; readonly timed: Matrix } {
  const budgets = { columns: o.columnStates ?? defaultColumnStates, catalogue: o.catalogueStates ?? defaultCatalogueStates };
  const answers = compareTasks(o.entries).map((t) => {
    const a = runCompareTask(t, budgets);
    o.onCell?.(describeAnswer(t, a));
    return a;
  });
  return assembleCompareData(o, budgets, answers);
}

/** The designer's summary of one API family, computed from the data. */
export interface FamilySummary {
  readonly family: string;
  /** Lines of client code of the family's correct column: fewest and most over the scenarios, and the henv case. */
  readonly lines: { readonly min: number; readonly max: number; readonly henv: number };
  readonly possible: number;
  readonly impossible: number;
  /** Possible mistakes caught in at least one scenario. */
  readonly caught: number;
  /** Possible mistakes no scenario caught (ids). */
  readonly missed: readonly string[];
  /** Missed cells with no explanation: open findings. */
  readonly unexplained: number;
  /** Properties some mistake against this family violated. */
  readonly properties: readonly string[];
  /** Properties a mistake against another family violated but none against this one: what the API takes off the author's hands (in this catalogue). */
  readonly offHands: readonly string[];
}

const byProperty = (a: string, b: string): number => Number(a.slice(1)) - Number(b.slice(1)) || a.localeCompare(b);
const caughtCells = (e: JudgedEntry): Extract<CatalogueCell, { status: "caught" }>[] => (e.possible ? e.cells.filter((c): c is Extract<CatalogueCell, { status: "caught" }> => c.status === "caught") : []);

export function familySummaries(d: CompareData): FamilySummary[] {
  const propsOf = (f: string): Set<string> => new Set(d.catalogue.filter((e) => e.family === f).flatMap((e) => caughtCells(e).map((c) => c.property)));
  const all = new Set(catalogueFamilies.flatMap((f) => [...propsOf(f)]));
  return catalogueFamilies.map((f) => {
    const entries = d.catalogue.filter((e) => e.family === f);
    const possible = entries.filter((e): e is Extract<JudgedEntry, { possible: true }> => e.possible);
    const lines = d.matrix.cells.filter((c) => c.column === f).map((c) => c.lines);
    const mine = propsOf(f);
    return {
      family: f,
      lines: { min: Math.min(...lines), max: Math.max(...lines), henv: d.matrix.cells.find((c) => c.column === f && c.scenario === "henv")?.lines ?? 0 },
      possible: possible.length,
      impossible: entries.length - possible.length,
      caught: possible.filter((e) => caughtCells(e).length > 0).length,
      missed: possible.filter((e) => caughtCells(e).length === 0).map((e) => e.id),
      unexplained: possible.flatMap((e) => e.cells).filter((c) => (c.status === "missed" && c.explanation === undefined) || c.status === "failed").length,
      properties: [...mine].sort(byProperty),
      offHands: [...all].filter((p) => !mine.has(p)).sort(byProperty),
    };
  });
}

/** The scenarios of the data, in order. */
export const scenarioIds = (d: CompareData): string[] => d.matrix.scenarios.map((s) => s.id);
