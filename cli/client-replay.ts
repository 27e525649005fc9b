/**
 * `interlock replay` of a report written by `interlock client file.c` (cfront/client-report.ts):
 * compiles the C file the report names (`config.options.client`, or --impl), rebuilds the scenario
 * cell and replays the token under the same judge; cli/replay-outcome.ts compares the replay with
 * the report, as for every report (the same property failing at the same step after the same history). Exit 1 when it fails again, 0 when
 * nothing fails any more, 2 when the file, the scenario or the schedule no longer fit.
 */
import { existsSync } from "node:fs";
import { ExitCode, UsageError } from "./errors.js";
import type { Output } from "./output.js";
import { replay } from "../properties/explorer/index.js";
import { scenarios } from "../properties/scenarios/scenarios.js";
import type { Report } from "../reports/schema.js";
import { cClientCell } from "../cfront/client.js";
import { compileForCli } from "./c-impl.js";
import { replayedOf, reportReplay } from "./replay-outcome.js";

export async function replayClientReport(path: string, report: Report, fileOverride: string | undefined, json: boolean, out: Output): Promise<ExitCode> {
  const file = fileOverride ?? (report.config.options["client"] as string);
  const recorded = report.violation;
  if (report.token === null || recorded === null) throw new UsageError(`${path}: the report records no counterexample to replay`);
  if (!existsSync(file)) throw new UsageError(`${path}: the report was made with ${file}, which does not exist here; pass --impl with the C file`);
  const scenario = scenarios.find((s) => s.id === report.config.options["scenario"]);
  if (scenario === undefined) throw new UsageError(`${path}: the report names scenario ${String(report.config.options["scenario"])}, which this interlock does not have`);
  const compiled = await compileForCli(file);
  let cell;
  try {
    cell = cClientCell(compiled, scenario, undefined, report.family);
  } catch (e) {
    throw new UsageError(`${path}: ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (cell.family !== report.family) throw new UsageError(`${path}: the report ran under ${report.family}, but ${file} now runs under ${cell.family}; re-run interlock client`);
  let r;
  try {
    r = replay(cell.subject, cell.programs, report.token, cell.hooks);
  } catch (e) {
    if (e instanceof RangeError || e instanceof SyntaxError) throw new UsageError(`${path}: ${e.message.split("\n")[0]}; the report is damaged`);
    throw e;
  }
  if (r.status === "mismatch") throw new UsageError(`${path}: the schedule no longer matches the code at ${r.message}; re-run interlock client to get a fresh report`);
  return reportReplay({ path, report, replayed: replayedOf(r.execution, r.violation), subject: file, json, out });
}
