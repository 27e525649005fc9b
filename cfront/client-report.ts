/**
 * Reports of `interlock client file.c`: the same schema-v2 Report (reports/schema.ts) that
 * `interlock verify` writes, built by the same builder (reports/build.ts), so JSON, Markdown and
 * HTML, the report index and `interlock replay` work for a C extension as for a family run. What
 * differs is said in the report itself:
 *   - `family` is the family the extension ran against (--family, its IL_FAMILY, else the guess
 *     of cfront/client.ts cClientFamily) and `subject` is `c:<file>/<scenario>`;
 *   - the programs and history are the scenario's extension calls (import, use(henv), unload, …);
 *   - `config.options.client` is the C file as given and `config.options.scenario` the scenario,
 *     which is what `replay` needs to rebuild the run (cli/client-replay.ts);
 *   - every swimlane step carries its C `source` (file, line, function);
 *   - the violated property is the scenario judge's (P1–P9) or `crash` for a trap of the C code;
 *     there is no model state (the judge is the library's monitor, not a model).
 */
import type { FamilyName } from "../model/index.js";
import type { AnyCall } from "../model/index.js";
import { propertyNames, type PropertyId } from "../properties/judge/property-classifier.js";
import type { Scenario } from "../properties/scenarios/scenarios.js";
import { buildReport } from "../reports/build.js";
import { scenarioCounterexample, scenarioVocabulary } from "../reports/scenario-cell.js";
import type { Report } from "../reports/schema.js";
import { cClientCell } from "./client.js";
import type { ClientRow } from "./client-check.js";
import type { CompiledC } from "./compile.js";

/** The property a C crash (a trap, an out-of-bounds access) is reported under. */
export const crashProperty = "crash";
export const crashPropertyName = "the C code runs without crashing (no trap, no out-of-bounds access, no access interlock cannot model)";

export interface ClientReportInput {
  readonly compiled: CompiledC;
  /** The C file as given on the command line (replay compiles it again from there). */
  readonly file: string;
  readonly scenario: Scenario;
  /** The family it ran against (default: as cfront/client.ts cClientFamily decides). */
  readonly family?: FamilyName;
  readonly row: ClientRow;
  readonly seed: number;
  /** The options that shaped the search (maxStates, runs, maxPreemptions …). */
  readonly options: Readonly<Record<string, number | string | boolean>>;
  /** The command that replays the report. */
  readonly replay: string;
  readonly elapsedMs: number | null;
}

export function clientReport(input: ClientReportInput): Report {
  const { compiled, scenario, row } = input;
  const cell = cClientCell(compiled, scenario, undefined, input.family);
  const found = row.result.violation;
  const cx = found === null ? null : scenarioCounterexample(cell, found);
  const report = buildReport({
    family: cell.family,
    subject: cell.subject.name,
    config: { ...cell.config, interpreters: cell.programs.length },
    impl: null,
    limits: {},
    programs: scenario.programs as unknown as AnyCall[][],
    strategy: row.strategy,
    seed: input.seed,
    options: { client: input.file, scenario: scenario.id, ...input.options, ...(row.fallback !== undefined ? { fallback: row.fallback } : {}) },
    result: { verdict: row.result.verdict, coverage: row.result.coverage, stats: row.result.stats, blockedByDesign: null },
    counterexample: cx,
    replay: input.replay,
    elapsedMs: input.elapsedMs,
    vocabulary: scenarioVocabulary,
  });
  const v = report.violation;
  if (v === null || cx === null) return report;
  const property = cx.violation.property;
  const propertyName = property in propertyNames ? propertyNames[property as PropertyId] : property === crashProperty ? crashPropertyName : property;
  return { ...report, violation: { ...v, property, propertyName, modelBefore: null } };
}
