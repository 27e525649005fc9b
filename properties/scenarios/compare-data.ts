/**
 * The comparison's checked-in data (properties/scenarios/compare.json): the matrix (every scenario
 * against every column, compare.ts) and the judged mistake catalogue (mistakes/), with the budgets
 * they were decided with and the content hash of their inputs (inputs.ts). `interlock compare
 * --update-readme` writes it; the README block, the catalogue page and the HTML page are rendered
 * from it (reports/compare-catalogue.ts), and the designer summary is computed from it here — so
 * no figure a designer reads is written by hand. Deterministic: no timings.
 */
import { compareAll, type Cell, type Matrix } from "./compare.js";
import { catalogue, catalogueFamilies, mistakeKinds, type MistakeEntry, type MistakeKind } from "./mistakes/catalogue.js";
import { judgeEntry, type CatalogueCell, type JudgedEntry } from "./mistakes/judge.js";

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

/** Decides the matrix and judges the catalogue: the data, and the matrix with its timings (for the full report). */
export function buildCompareData(o: BuildOptions): { readonly data: CompareData; readonly timed: Matrix } {
  const columns = o.columnStates ?? defaultColumnStates;
  const cat = o.catalogueStates ?? defaultCatalogueStates;
  const m = compareAll({ maxExhaustiveStates: columns, onCell: (c) => o.onCell?.(`${c.scenario} × ${c.column}: ${c.verdict}`) });
  const cells = m.cells.map(({ ms: _ms, ...rest }) => rest);
  const judged = (o.entries ?? catalogue).map((e) => judgeEntry(e, { maxExhaustiveStates: cat, onCell: (id, c) => o.onCell?.(`${c.scenario} × ${id}: ${c.status}`) }));
  return { data: { version: 1, regenerate: REGENERATE, inputsHash: o.inputsHash, budgets: { columns, catalogue: cat }, matrix: { ...m, cells }, kinds: mistakeKinds, catalogue: judged }, timed: m };
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
