/**
 * The report files of `verify --client`: one report per (client, scenario) in
 * `<report-dir>/client/<module>[.<export>].<scenario>.{json,md,html}` (the formats asked for), the
 * index page `interlock show` opens, and the replay command each report records. A scenario the
 * worker could not report on itself (it was stopped: a hook that never yields, a memory hog) gets a
 * "failed" report with its message and no schedule.
 */
import { basename, extname, join } from "node:path";
import { defaultConfig, type AnyCall, type FamilyName } from "../model/index.js";
import type { ClientCheck } from "../properties/scenarios/check-client.js";
import { scenarios } from "../properties/scenarios/scenarios.js";
import { buildReport } from "../reports/build.js";
import { writeReportIndex } from "../reports/index-page.js";
import { checkReportDirectory, writeReportFiles, type ReportFileFormat } from "../reports/io.js";
import type { Report } from "../reports/schema.js";
import { clientOptionKeys } from "./client-report-build.js";
import { scenarioVocabulary } from "../reports/scenario-cell.js";
import { moduleFailed, moduleFailedName } from "./client-report-cell.js";
import { clientPathParts } from "./client-module.js";
import { UsageError } from "./errors.js";
import { replayCommand } from "./verify-job-report.js";
import { reportErrorsAsUsage } from "./report-errors.js";

/** The folder client reports go to; a usage error (exit 2, before anything runs) when it cannot be one. */
export function clientReportDir(reportDir: string): string {
  if (reportDir.trim() === "") throw new UsageError("--report-dir is empty; pass a folder, e.g. --report-dir interlock-out");
  const dir = join(reportDir, "client");
  reportErrorsAsUsage(() => checkReportDirectory(dir));
  return dir;
}

/** A report for a scenario stopped from outside: the failure's message, no schedule, no step. */
function stoppedReport(family: FamilyName, name: string, path: string, exportName: string, c: ClientCheck): Report {
  const programs = (scenarios.find((s) => s.id === c.scenario)?.programs ?? []) as unknown as AnyCall[][];
  const report = buildReport({
    family,
    subject: `client:${name}/${c.scenario}`,
    config: { ...defaultConfig, interpreters: programs.length },
    impl: null,
    limits: {},
    programs,
    strategy: "exhaustive",
    seed: 0,
    options: { [clientOptionKeys.module]: path, [clientOptionKeys.export]: exportName, [clientOptionKeys.scenario]: c.scenario },
    result: { verdict: "unknown", coverage: { strategy: "exhaustive", guarantee: "none", sentence: "the search was stopped: the module under test failed" }, stats: { executions: 0, states: 0 }, blockedByDesign: null },
    counterexample: null,
    replay: "",
    elapsedMs: null,
    vocabulary: scenarioVocabulary,
  });
  const message = c.message ?? "the module under test failed";
  const violation = { property: moduleFailed, propertyName: moduleFailedName, message, kind: "failure", failingStep: null, stuckCall: null, stuck: null, prefix: [], modelBefore: null, modelAfter: null, ghost: null, narrative: [message] };
  return { ...report, verdict: "failed", violation };
}

/** Writes every scenario's report and the index; returns the folder, each check's files and each report's replay command. */
export function writeClientReports(
  o: { readonly path: string; readonly reportDir: string; readonly formats: readonly ReportFileFormat[] },
  loaded: { readonly family: FamilyName; readonly name: string },
  checks: readonly ClientCheck[],
  reports: readonly (Report | undefined)[],
): { dir: string; files: string[][]; replay: (string | undefined)[] } {
  const dir = clientReportDir(o.reportDir);
  const { path, named } = clientPathParts(o.path);
  const stem = `${basename(path, extname(path))}${named === undefined ? "" : `.${named}`}`;
  const files: string[][] = [];
  const replay: (string | undefined)[] = [];
  for (const [i, c] of checks.entries()) {
    const base = `${stem}.${c.scenario}`;
    const command = replayCommand(join(dir, `${base}.json`), undefined);
    const made = reports[i] ?? stoppedReport(loaded.family, loaded.name, path, named ?? "", c);
    const report = { ...made, replay: command };
    reportErrorsAsUsage(() => files.push(writeReportFiles(dir, base, report, o.formats)));
    replay.push(report.token !== null ? command : undefined);
  }
  if (checks.length > 0) writeReportIndex(dir, `interlock verify --client ${o.path}`);
  return { dir, files, replay };
}
