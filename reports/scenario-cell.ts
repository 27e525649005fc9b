/**
 * What a report of one scenario cell needs beyond a family run's: the scenario's extension calls in
 * words, and the counterexample replayed once with every access traced. Shared by the reports of
 * `interlock client file.c` (cfront/client-report.ts) and `verify --client` (cli/client-report-build.ts).
 */
import { describeResult, type Result } from "../model/index.js";
import { replay, type FoundViolation, type Hooks } from "../properties/explorer/index.js";
import type { Counterexample } from "../properties/judge/counterexample.js";
import { propertyNames, type PropertyId } from "../properties/judge/property-classifier.js";
import { describeExtCall, type ExtCall, type ExtResult } from "../properties/scenarios/library.js";
import type { Program, Subject } from "../impl/subject.js";
import type { ReportVocabulary } from "./build.js";

/** The scenario's extension calls and their results, in words. */
export const scenarioVocabulary: ReportVocabulary = {
  call: (_interp, call) => describeExtCall(call as ExtCall),
  result: (r) => describeResult(r as Result),
};

/** A cell as the replay needs it: its subject and programs, its judge's hooks, its words' names. */
export interface ScenarioCell {
  readonly subject: Subject<ExtCall, ExtResult>;
  readonly programs: readonly Program<ExtCall>[];
  readonly hooks: Hooks<ExtCall, ExtResult>;
  readonly wordNames: readonly string[];
}

/** The violation replayed once with every access traced, as the report builder takes it (the judge's sentence is its evidence: no model, no stuck call, no prefix). */
export function scenarioCounterexample(cell: ScenarioCell, found: FoundViolation<ExtCall, ExtResult>): Counterexample {
  const r = replay(cell.subject, cell.programs, found.token, { ...cell.hooks, trace: true });
  const replayed = r.status === "replayed";
  const violation = replayed && r.violation !== null ? r.violation : found;
  const execution = replayed ? r.execution : found.execution;
  const memory = Object.fromEntries(cell.wordNames.map((n, i) => [n, execution.memory[i] ?? 0]));
  const property = (violation.property in propertyNames ? violation.property : "agreement") as PropertyId;
  const evidence = { property, message: violation.message, stuck: null, prefix: [], modelBefore: "", modelAfter: null, ghost: null };
  return { violation, execution, trace: replayed && r.trace !== null ? r.trace : [], wordNames: cell.wordNames, memory, evidence } as unknown as Counterexample;
}
