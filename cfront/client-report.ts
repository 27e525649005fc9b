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
import { describeResult, type AnyCall, type Result } from "../model/index.js";
import { replay } from "../properties/explorer/index.js";
import type { Counterexample } from "../properties/judge/counterexample.js";
import { propertyNames, type PropertyId } from "../properties/properties.js";
import { describeExtCall, type ExtCall } from "../properties/scenarios/library.js";
import type { Scenario } from "../properties/scenarios/scenarios.js";
import { buildReport, type ReportVocabulary } from "../reports/build.js";
import type { Report } from "../reports/schema.js";
import { cClientCell, type CClientCell } from "./client.js";
import type { ClientRow } from "./client-check.js";
import type { CompiledC } from "./compile.js";

/** The property a C crash (a trap, an out-of-bounds access) is reported under. */
export const crashProperty = "crash";
export const crashPropertyName = "the C code runs without crashing (no trap, no out-of-bounds access, no access interlock cannot model)";

/** The scenario's extension calls and their results, in words. */
const vocabulary: ReportVocabulary = {
  call: (_interp, call) => describeExtCall(call as ExtCall),
  result: (r) => describeResult(r as Result),
};

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

/** Shared memory as named words (the runtime's, the library's, then the C globals). */
function decoded(cell: CClientCell, mem: Int32Array): Record<string, number> {
  const out: Record<string, number> = {};
  cell.wordNames.forEach((n, i) => {
    out[n] = mem[i] ?? 0;
  });
  return out;
}

/** The violation replayed once with every access traced, as the report builder takes it. */
function counterexampleOf(cell: CClientCell, row: ClientRow): Counterexample | null {
  const found = row.result.violation;
  if (found === null) return null;
  const r = replay(cell.subject, cell.programs, found.token, { ...cell.hooks, trace: true });
  const ok = r.status === "replayed";
  const violation = ok && r.violation !== null ? r.violation : found;
  const execution = ok ? r.execution : found.execution;
  const property = (violation.property in propertyNames ? violation.property : "agreement") as PropertyId;
  return {
    violation,
    execution,
    trace: ok && r.trace !== null ? r.trace : [],
    wordNames: cell.wordNames,
    memory: decoded(cell, execution.memory),
    // the scenario judge's evidence is its sentence: no model, no stuck call, no prefix
    evidence: { property, message: violation.message, stuck: null, prefix: [], modelBefore: "", modelAfter: null, ghost: null },
  } as unknown as Counterexample;
}

export function clientReport(input: ClientReportInput): Report {
  const { compiled, scenario, row } = input;
  const cell = cClientCell(compiled, scenario, undefined, input.family);
  const cx = counterexampleOf(cell, row);
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
    vocabulary,
  });
  const v = report.violation;
  if (v === null || cx === null) return report;
  const property = cx.violation.property;
  const propertyName = property in propertyNames ? propertyNames[property as PropertyId] : property === crashProperty ? crashPropertyName : property;
  return { ...report, violation: { ...v, property, propertyName, modelBefore: null } };
}
