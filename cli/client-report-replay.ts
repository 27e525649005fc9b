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

/** The call records of a report in the form the worker returns them (client-report-replay-cell.ts). */
const recordedHistory = (report: Report): string[] => report.history.map((h) => `${h.interp}.${h.callIndex}:${h.invoke}-${h.respond === null ? "pending" : `${h.respond}=${h.result}`}`);

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
  const now = replayed.history.join(";");
  const differences = [
    ...(replayed.property !== recorded.property ? [`property ${replayed.property ?? "none"} instead of ${recorded.property}`] : []),
    ...(replayed.failingStep !== recorded.failingStep ? [`failing step ${replayed.failingStep ?? "none"} instead of ${recorded.failingStep ?? "none"}`] : []),
    ...(now !== recordedHistory(report).join(";") ? ["the history differs"] : []),
  ];
  const same = replayed.property !== null && differences.length === 0;
  if (json) out.out(JSON.stringify({ report: path, reproduced: same, property: replayed.property, expected: recorded.property, failingStep: replayed.failingStep, differences, message: replayed.message, steps: replayed.steps }, null, 2));
  else if (same) out.out(`reproduced ${recorded.property} (${recorded.propertyName}) after ${replayed.steps} steps: ${replayed.message ?? ""}`);
  else if (replayed.property !== null) out.out(`replayed, but not the same counterexample: ${differences.join("; ")}: ${replayed.message ?? ""}`);
  else out.out(`replayed ${replayed.steps} steps and nothing failed: ${given} no longer shows this counterexample`);
  return replayed.property !== null ? ExitCode.counterexample : ExitCode.agreement;
}
