/**
 * `interlock replay` of a report written by `verify --client` (client-report-build.ts): loads the
 * client module the report names (`config.options.clientModule` and `export`) in the same sandboxed
 * worker `verify --client` uses, rebuilds the scenario cell and replays the token under the same
 * judge. Reproduced means, as for every report, the same property (or the same module failure)
 * at the same step after the same history. Exit 1 when it fails again (a module failure too: it is
 * the counterexample recorded), 0 when nothing fails any more, 2 when the module, the scenario or
 * the schedule no longer fit or the module no longer loads, 4 when it hangs or its worker dies.
 */
import { existsSync } from "node:fs";
import { ExitCode, UsageError } from "./errors.js";
import type { Output } from "./output.js";
import type { Report } from "../reports/schema.js";
import { clientOptionKeys } from "./client-report-build.js";
import { runClientWorker } from "./client-verify.js";
import { loadTimeoutMs } from "./impl-sandbox.js";
import { reportReplay } from "./replay-outcome.js";

export async function replayClientModuleReport(path: string, report: Report, moduleOverride: string | undefined, json: boolean, out: Output): Promise<ExitCode> {
  const o = report.config.options;
  const file = moduleOverride ?? (o[clientOptionKeys.module] as string);
  const exportName = typeof o[clientOptionKeys.export] === "string" ? (o[clientOptionKeys.export] as string) : "";
  const scenario = o[clientOptionKeys.scenario];
  const recorded = report.violation;
  if (report.token === null || recorded === null) throw new UsageError(`${path}: the report records no counterexample to replay`);
  if (typeof scenario !== "string") throw new UsageError(`${path}: the report names no scenario; the report is damaged`);
  if (!existsSync(file)) throw new UsageError(`${path}: the report was made with ${file}, which does not exist here; pass --impl with the client module`);
  const given = exportName === "" ? file : `${file}#${exportName}`;
  const { replayed, checks } = await runClientWorker({ path: given, family: report.family, scenarios: [scenario], maxExhaustiveStates: undefined, loadTimeoutMs: loadTimeoutMs(file), scenarioDeadlineMs: 600_000, replay: { scenario, token: report.token } });
  if (replayed === undefined) {
    out.err(`interlock: ${checks[0]?.message ?? "the module under test failed"}`);
    return ExitCode.moduleFailed;
  }
  if (replayed.status === "mismatch") throw new UsageError(`${path}: ${replayed.message}; re-run verify --client to get a fresh report`);
  return reportReplay({ path, report, replayed, subject: given, json, out });
}
