/**
 * Checking a client (contract.ts) from your own code: each chosen scenario workload run against
 * the client under every interleaving (the matrix's search: exhaustive with a state budget, then
 * ≤ 2 preemptions), judged by the scenario judge. A client that throws, yields a non-access or
 * returns a malformed result gets the verdict "failed" with the message — never a property.
 */
import type { FamilyName } from "../../model/index.js";
import { decideCell, defaultMaxExhaustiveStates } from "./compare.js";
import { ClientFailure, type ClientDefinition } from "./contract.js";
import { definitionProblems } from "./definition.js";
import { columnOf } from "./harness.js";
import { scenarios, type Scenario } from "./scenarios.js";
import type { ColumnOp } from "./column.js";

/** The named scenario workloads (`--scenario`). */
export const scenarioIds: readonly string[] = scenarios.map((s) => s.id);

/** One scenario's verdict for a client. */
export interface ClientCheck {
  readonly scenario: string;
  /** "ok", "violation", "unknown" (a budget ran out) or "failed" (the client itself failed). */
  readonly verdict: "ok" | "violation" | "unknown" | "failed";
  readonly property?: string;
  /** The violation's or the failure's one-line message. */
  readonly message?: string;
  /** Who did what, then what broke (violations). */
  readonly story?: string;
  /** The replay token of a violation. */
  readonly token?: string;
  /** What the search covered. */
  readonly coverage: string;
  readonly states: number;
}

/** Options of `checkClient`. */
export interface CheckClientOptions {
  /** Scenario ids (default: every scenario whose module functions the client provides). */
  readonly scenarios?: readonly string[];
  /** State budget of the exhaustive search per scenario before it falls back to ≤ 2 preemptions (default 100,000). */
  readonly maxExhaustiveStates?: number;
}

const opsOf = (s: Scenario): Set<ColumnOp> => new Set(s.programs.flat().map((c) => c._tag).filter((t): t is ColumnOp => ["import", "unload", "use", "acquire", "release", "library"].includes(t)));

/** The scenarios a client can run: those whose every module function it provides. */
export function scenariosFor(d: ClientDefinition): Scenario[] {
  const column = columnOf(d);
  return scenarios.filter((s) => [...opsOf(s)].every((op) => column.provides?.(op) !== false));
}

/** The scenarios named by `ids`, or an Error naming an unknown id or one the client cannot run. */
export function chooseScenarios(d: ClientDefinition, ids: readonly string[] | undefined): Scenario[] {
  if (ids === undefined) {
    const all = scenariosFor(d);
    // A check that runs nothing would say "safe" about nothing.
    if (all.length === 0) throw new Error(`the client defines no module function a scenario calls: define use (and acquire/release, library) so the scenarios can exercise it`);
    return all;
  }
  const runnable = new Set(scenariosFor(d).map((s) => s.id));
  return ids.map((id) => {
    const s = scenarios.find((x) => x.id === id);
    if (s === undefined) throw new Error(`unknown scenario "${id}"; choose from ${scenarioIds.join(", ")}`);
    if (!runnable.has(id)) throw new Error(`scenario "${id}" calls module functions the client does not define (${[...opsOf(s)].join(", ")})`);
    return s;
  });
}

/**
 * Checks a client definition in each chosen scenario. Throws a ClientFailure for a malformed
 * definition; a hook that fails while running makes that scenario's verdict "failed".
 */
export function checkClient<F extends FamilyName>(d: ClientDefinition<F>, options: CheckClientOptions = {}): ClientCheck[] {
  const problems = definitionProblems(d);
  if (problems.length > 0) throw new ClientFailure(`malformed client definition: ${problems.join("; ")}`);
  const column = columnOf(d);
  return chooseScenarios(d, options.scenarios).map((s): ClientCheck => {
    try {
      const c = decideCell(column, s, options.maxExhaustiveStates ?? defaultMaxExhaustiveStates);
      const extra = c.verdict === "violation" ? { property: c.property as string, message: c.message as string, story: c.story as string, token: c.token as string } : c.message !== undefined ? { message: c.message } : {};
      return { scenario: s.id, verdict: c.verdict, coverage: c.coverage, states: c.states, ...extra };
    } catch (e) {
      if (!(e instanceof ClientFailure)) throw e;
      return { scenario: s.id, verdict: "failed", message: `the module under test failed in scenario ${s.id}: ${e.message}`, coverage: "", states: 0 };
    }
  });
}
