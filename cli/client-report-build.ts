/**
 * One (client, scenario) of `verify --client` as its verdict line and its report: the same schema-v2
 * Report (reports/schema.ts) `interlock verify` and `interlock client file.c` write, built by the same
 * builder with the scenario's call vocabulary, so JSON, Markdown, HTML, the index page and
 * `interlock replay` work for it. What is particular to a client report:
 *   - `subject` is `client:<name>/<scenario>` and the programs are the scenario's extension calls;
 *   - `config.options` records `clientModule` (the module path as given), `export` (the export
 *     checked, "" for the default), `scenario` and `maxExhaustiveStates`: what replay rebuilds it from;
 *   - every swimlane step a client hook made names that hook (client-report-cell.ts);
 *   - the verdict "failed" is the module under test failing (property `module-failed`), with the
 *     step at which it failed and a replayable token — never a hazard.
 */
import type { AnyCall } from "../model/index.js";
import { propertyNames, type PropertyId } from "../properties/judge/property-classifier.js";
import type { ClientCheck } from "../properties/scenarios/check-client.js";
import { storyOf } from "../properties/scenarios/compare.js";
import type { ClientDefinition } from "../properties/scenarios/contract.js";
import type { Scenario } from "../properties/scenarios/scenarios.js";
import { buildReport } from "../reports/build.js";
import { scenarioCounterexample, scenarioVocabulary } from "../reports/scenario-cell.js";
import type { Report } from "../reports/schema.js";
import { clientCell, moduleFailed, moduleFailedName, searchCell, type CellSearch, type ClientCell } from "./client-report-cell.js";

/** What a report records of the client it checked: enough for replay to load it again. */
export interface ClientIdentity {
  /** The module path as given (without `#export`). */
  readonly path: string;
  /** The export checked, or "" for `client`/`default`. */
  readonly exportName: string;
}

/** The options a client report records (replay reads them back). */
export const clientOptionKeys = { module: "clientModule", export: "export", scenario: "scenario", maxStates: "maxExhaustiveStates" } as const;

/** The failure's one line, as `checkClient` words it. */
const failedMessage = (scenario: string, message: string): string => `the module under test failed in scenario ${scenario}: ${message.split("\n")[0] ?? ""}`;

/** The verdict line of a decided cell (the shape `checkClient` returns). */
export function checkOf(scenario: string, s: CellSearch): ClientCheck {
  const r = s.result;
  const base = { scenario, coverage: r.coverage.sentence, states: r.stats.states };
  const v = r.violation;
  if (r.verdict === "violation" && v) {
    if (v.property === moduleFailed) return { ...base, verdict: "failed", message: failedMessage(scenario, v.message), token: v.token };
    return { ...base, verdict: "violation", property: v.property, message: v.message.split("\n")[0] as string, story: storyOf(v), token: v.token };
  }
  if (r.verdict === "ok") return { ...base, verdict: "ok" };
  return { ...base, verdict: "unknown", message: r.limit?.message ?? "a limit was hit" };
}

/** The report of a decided cell (`replay` is filled in by the caller, who knows where it goes). */
export function reportOf(d: ClientDefinition, who: ClientIdentity, scenario: Scenario, cell: ClientCell, s: CellSearch): Report {
  const found = s.result.verdict === "violation" ? s.result.violation : null;
  const cx = found ? scenarioCounterexample(cell, found) : null;
  const report = buildReport({
    family: d.family,
    subject: `client:${d.name ?? "client"}/${scenario.id}`,
    config: { ...cell.config, interpreters: cell.programs.length },
    impl: null,
    limits: { maxStates: s.maxStates },
    programs: scenario.programs as unknown as AnyCall[][],
    strategy: s.strategy,
    seed: 0,
    options: { [clientOptionKeys.module]: who.path, [clientOptionKeys.export]: who.exportName, [clientOptionKeys.scenario]: scenario.id, [clientOptionKeys.maxStates]: s.maxStates, ...(s.fallback ? { fallback: s.fallback } : {}) },
    result: { verdict: s.result.verdict, coverage: s.result.coverage, stats: s.result.stats, blockedByDesign: null },
    counterexample: cx,
    replay: "",
    elapsedMs: null,
    vocabulary: scenarioVocabulary,
  });
  const v = report.violation;
  if (v === null || cx === null) return report;
  const property = cx.violation.property;
  const failed = property === moduleFailed;
  const propertyName = failed ? moduleFailedName : property in propertyNames ? propertyNames[property as PropertyId] : property;
  const message = failed ? failedMessage(scenario.id, cx.violation.message) : v.message;
  return { ...report, verdict: failed ? "failed" : report.verdict, violation: { ...v, property, propertyName, message, modelBefore: null } };
}

/** Searches one scenario of a client and returns its verdict line and its report. */
export function checkScenario(d: ClientDefinition, who: ClientIdentity, scenario: Scenario, maxStates: number | undefined): { check: ClientCheck; report: Report } {
  const cell = clientCell(d, scenario);
  const s = searchCell(cell, maxStates);
  return { check: checkOf(scenario.id, s), report: reportOf(d, who, scenario, cell, s) };
}
