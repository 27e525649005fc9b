/**
 * Judging the mistake catalogue: every possible mistake (catalogue.ts) run in every scenario as a
 * column of its own, decided like a matrix cell (compare.ts `decideCell`: exhaustive with a state
 * budget, else every schedule with ≤ 2 preemptions) and judged by the same scenario judge. A cell is
 *   - "not-reached": the scenario never runs a hook the mistake changes (nothing to search: the
 *     client is the correct one there);
 *   - "caught": a violation, with its property, story and replay token;
 *   - "missed": the search found nothing — a finding about interlock, explained by the entry
 *     (`explain`) or left open ("unexplained");
 *   - "failed": the client itself failed (threw, a malformed result): a bug of the catalogue entry.
 */
import { ClientFailure, type ClientDefinition } from "../contract.js";
import { columnOf } from "../harness.js";
import { decideCell, type Cell } from "../compare.js";
import { scenarios as allScenarios, type Scenario } from "../scenarios.js";
import type { MistakeEntry, PossibleMistake } from "./entry.js";

/** The hooks a scenario's calls run (end and finalize also run m_free / global_exit). */
const hooksOfCall: Readonly<Record<string, readonly string[]>> = {
  import: ["exec", "globalInit"],
  unload: ["free", "globalExit"],
  end: ["free", "globalExit"],
  finalize: ["free", "globalExit"],
  use: ["use"],
  acquire: ["acquire"],
  release: ["release"],
  library: ["library"],
  initialize: [],
};
const hookNames = ["exec", "free", "globalInit", "globalExit", "use", "acquire", "release", "library"] as const;

/** What the mistake changes in its correct client: hooks by identity, and CPython's failed-exec path. */
export function changedHooks(e: PossibleMistake): string[] {
  const c = e.correct as unknown as Record<string, unknown>;
  const m = e.client as unknown as Record<string, unknown>;
  const out: string[] = hookNames.filter((h) => c[h] !== m[h]);
  if ((e.correct.failedExec ?? "m_free") !== (e.client.failedExec ?? "m_free")) out.push("failedExec");
  return out;
}

/** The changed hooks a scenario runs (failedExec: only where an import fails). */
export function reachedHooks(e: PossibleMistake, s: Scenario): string[] {
  const run = new Set(s.programs.flat().flatMap((c) => hooksOfCall[c._tag] ?? []));
  if (s.failFirstInit === true) run.add("failedExec");
  return changedHooks(e).filter((h) => run.has(h));
}

/** One (mistake, scenario) cell. */
export type CatalogueCell =
  | { readonly scenario: string; readonly status: "not-reached"; readonly why: string }
  | {
      readonly scenario: string;
      readonly status: "caught";
      readonly property: string;
      readonly message: string;
      readonly story: string;
      readonly token: string;
      readonly strategy: Cell["strategy"];
      readonly coverage: string;
      readonly states: number;
      readonly exhaustiveStates?: number;
    }
  | {
      readonly scenario: string;
      readonly status: "missed";
      readonly strategy: Cell["strategy"];
      readonly coverage: string;
      readonly states: number;
      readonly exhaustiveStates?: number;
      /** Why the scenario cannot show it (the entry's `explain`), or undefined: an open finding. */
      readonly explanation?: string;
    }
  | { readonly scenario: string; readonly status: "failed"; readonly message: string };

/** An entry with its cells (none for an impossible one). */
export type JudgedEntry =
  | { readonly id: string; readonly family: string; readonly kind: string; readonly possible: false; readonly reason: string }
  | { readonly id: string; readonly family: string; readonly kind: string; readonly possible: true; readonly description: string; readonly changes: readonly string[]; readonly cells: readonly CatalogueCell[] };

export interface JudgeCatalogueOptions {
  readonly scenarios?: readonly Scenario[];
  /** State budget of each cell's exhaustive search before it falls back to ≤ 2 preemptions. */
  readonly maxExhaustiveStates: number;
  readonly onCell?: (id: string, cell: CatalogueCell) => void;
}

/** Decides one (mistake client, scenario) cell that the mistake reaches. */
export function judgeReached(client: ClientDefinition, s: Scenario, maxExhaustiveStates: number, explain?: Readonly<Record<string, string>>): CatalogueCell {
  let cell: Cell;
  try {
    cell = decideCell(columnOf(client), s, maxExhaustiveStates);
  } catch (e) {
    if (!(e instanceof ClientFailure)) throw e;
    return { scenario: s.id, status: "failed", message: e.message };
  }
  const work = { strategy: cell.strategy, coverage: cell.coverage, states: cell.states, ...(cell.exhaustiveStates !== undefined ? { exhaustiveStates: cell.exhaustiveStates } : {}) };
  if (cell.verdict === "violation") {
    return { scenario: s.id, status: "caught", property: cell.property as string, message: cell.message as string, story: cell.story as string, token: cell.token as string, ...work };
  }
  const explanation = explain?.[s.id] ?? explain?.["*"];
  return { scenario: s.id, status: "missed", ...work, ...(explanation !== undefined ? { explanation } : {}) };
}

/** Judges one entry in every chosen scenario. */
export function judgeEntry(e: MistakeEntry, options: JudgeCatalogueOptions): JudgedEntry {
  if (!e.possible) return { id: e.id, family: e.family, kind: e.kind, possible: false, reason: e.reason };
  const cells = (options.scenarios ?? allScenarios).map((s): CatalogueCell => {
    const cell = judgeEntryIn(e, s, options.maxExhaustiveStates);
    options.onCell?.(e.id, cell);
    return cell;
  });
  return judgedEntryOf(e, cells);
}

/** One cell of the catalogue: a possible mistake in one scenario (not reached when the scenario never runs what it changes). */
export function judgeEntryIn(e: PossibleMistake, s: Scenario, maxExhaustiveStates: number): CatalogueCell {
  const reached = reachedHooks(e, s);
  return reached.length === 0
    ? { scenario: s.id, status: "not-reached", why: `the scenario never runs what the mistake changes (${changedHooks(e).join(", ")})` }
    : judgeReached(e.client, s, maxExhaustiveStates, e.explain);
}

/** An entry with its cells, judged here or elsewhere (`interlock compare --jobs` judges cells on workers). */
export function judgedEntryOf(e: MistakeEntry, cells: readonly CatalogueCell[]): JudgedEntry {
  if (!e.possible) return { id: e.id, family: e.family, kind: e.kind, possible: false, reason: e.reason };
  return { id: e.id, family: e.family, kind: e.kind, possible: true, description: e.description, changes: changedHooks(e), cells: [...cells] };
}

/** Judges every entry. */
export function judgeCatalogue(entries: readonly MistakeEntry[], options: JudgeCatalogueOptions): JudgedEntry[] {
  return entries.map((e) => judgeEntry(e, options));
}
