/**
 * Checking an extension written in C (way (a)): every scenario its hooks support, explored with
 * any of the explorer's strategies — by default exhaustively, bounded to 2 preemptions where the
 * state space is too large, as `interlock compare` does — and judged by the scenario judge. A
 * counterexample is shrunk; cfront/client-report.ts turns it into a report whose swimlane names
 * the C file and line of every step.
 */
import { explore, shrink, type ExploreResult, type Strategy } from "../properties/explorer/index.js";
import type { ExtCall, ExtResult } from "../properties/scenarios/library.js";
import { scenarios, type Scenario } from "../properties/scenarios/scenarios.js";
import type { FamilyName } from "../model/index.js";
import { columnOf } from "../properties/scenarios/harness.js";
import { cClientCell, cClientFamily, cClientOf } from "./client.js";
import type { CompiledC } from "./compile.js";

/** Scenarios a C client may run: every one (those it cannot are left out by `scenariosFor`). */
export const cClientScenarios: readonly Scenario[] = scenarios;

/** The scenarios a compiled extension can run against `family`: those whose every module function it exports. */
export function scenariosFor(compiled: CompiledC, family?: FamilyName): readonly Scenario[] {
  const column = columnOf(cClientOf(compiled, cClientFamily(compiled, family)).definition);
  return scenarios.filter((s) => s.programs.every((p) => p.every((c) => c._tag === "end" || c._tag === "finalize" || c._tag === "initialize" || column.provides?.(c._tag) !== false)));
}

/** How a C client is searched: "auto" is exhaustive, falling back to bounded when the states run out. */
export const clientStrategies = ["auto", "exhaustive", "bounded", "pct", "random"] as const;
export type ClientStrategy = (typeof clientStrategies)[number];

export interface ClientSettings {
  readonly strategy: ClientStrategy;
  /** States before the exhaustive search gives way (auto), or the bound of exhaustive / bounded. */
  readonly maxStates: number;
  /** Runs of PCT and random. */
  readonly runs: number;
  readonly seed: number;
}

/** States of the exhaustive search of one C client cell (the module-slots extension's henv cell needs about 1.04 million since every call passes the gate under the runtime lock, D3). */
export const defaultClientMaxStates = 1_500_000;
export const defaultClientSettings: ClientSettings = { strategy: "auto", maxStates: defaultClientMaxStates, runs: 1000, seed: 1 };
/** Preemptions of the bounded search (CHESS: most bugs need at most 2). */
export const clientPreemptions = 2;

export interface ClientRow {
  readonly scenario: string;
  readonly strategy: Exclude<ClientStrategy, "auto">;
  readonly result: ExploreResult<ExtCall, ExtResult>;
  /** Why the exhaustive search gave way to the bounded one. */
  readonly fallback?: string;
}

/** The explorer strategy of a client search. */
export function clientStrategy(kind: Exclude<ClientStrategy, "auto">, s: ClientSettings): Strategy {
  switch (kind) {
    case "exhaustive":
      return { kind: "exhaustive", symmetry: "off" };
    case "bounded":
      return { kind: "bounded", maxPreemptions: clientPreemptions };
    case "pct":
      return { kind: "pct", depth: 3, runs: s.runs, seed: s.seed };
    case "random":
      return { kind: "random", runs: s.runs, seed: s.seed };
  }
}

/** The options a client search records in its report (what replay and a reader need). */
export function clientOptions(row: ClientRow, s: ClientSettings): Record<string, number> {
  if (row.strategy === "pct") return { runs: s.runs, depth: 3 };
  if (row.strategy === "random") return { runs: s.runs };
  return { maxStates: s.maxStates, ...(row.strategy === "bounded" ? { maxPreemptions: clientPreemptions } : {}) };
}

/**
 * Searches one scenario with the C extension; a violation is shrunk (fewer preemptions, then fewer
 * steps: the same failure, easier to read) before it is returned.
 */
export function checkCClient(compiled: CompiledC, scenario: Scenario, settings: ClientSettings | number = defaultClientSettings, family?: FamilyName): ClientRow {
  const s = typeof settings === "number" ? { ...defaultClientSettings, maxStates: settings } : settings;
  const cell = cClientCell(compiled, scenario, undefined, family);
  const search = (kind: Exclude<ClientStrategy, "auto">) =>
    explore(cell.subject, cell.programs, { ...cell.hooks, strategy: clientStrategy(kind, s), limits: kind === "exhaustive" || kind === "bounded" ? { maxStates: s.maxStates } : {} });
  const first = s.strategy === "auto" ? "exhaustive" : s.strategy;
  let row: ClientRow = { scenario: scenario.id, strategy: first, result: search(first) };
  if (s.strategy === "auto" && row.result.verdict === "unknown") {
    const bd = explore(cell.subject, cell.programs, { ...cell.hooks, strategy: clientStrategy("bounded", s) });
    row = { scenario: scenario.id, strategy: "bounded", result: bd, fallback: `exhaustive search ${row.result.limit?.message ?? "incomplete"}` };
  }
  const found = row.result.violation;
  if (found === null) return row;
  const v = shrink(cell.subject, cell.programs, found.token, cell.hooks).violation;
  return { ...row, result: { ...row.result, violation: v } };
}
