/**
 * The one comparison `interlock replay` makes, whatever wrote the report (`verify`, `verify
 * --client`, `interlock client file.c`): a replayed execution against the counterexample the
 * report records. Reproduced means the same property, failing at the same step, after the same
 * history (each call record compared as `interp.callIndex:invoke-respond=result`); anything else
 * is said, difference by difference. Each report kind only rebuilds its subject and programs and
 * replays the token (cli/commands/replay.ts, cli/client-replay.ts, cli/client-report-replay.ts);
 * what it replayed comes here. Light on purpose: the `verify --client` worker imports it too.
 */
import { describeResult, type Result } from "../model/index.js";
import type { CallRecord, Execution } from "../properties/explorer/types.js";
import type { ReportCall, ReportViolation } from "../reports/schema.js";
import { ExitCode } from "./errors.js";
import type { Output } from "./output.js";

/** What a replay did, as plain data (it crosses from the client worker as it is). */
export interface Replayed {
  /** The property that failed again, or null when nothing failed. */
  readonly property: string | null;
  /** The first line of the violation's message, or null. */
  readonly message: string | null;
  /** The step the violation showed at (the execution's last), or null for an empty execution. */
  readonly failingStep: number | null;
  readonly steps: number;
  /** Each call as `interp.callIndex:invoke-respond=result`, the form the report's history is compared in. */
  readonly history: readonly string[];
}

/** What a report records that a replay is compared with (every report kind has it). */
export interface Recorded {
  readonly history: readonly Pick<ReportCall, "interp" | "callIndex" | "invoke" | "respond" | "result">[];
  readonly violation: Pick<ReportViolation, "property" | "propertyName" | "failingStep"> | null;
}

/** One call record of an execution, in the form a report's history is compared in. */
export function callRecordLine(h: CallRecord<unknown, unknown>): string {
  return `${h.interp}.${h.callIndex}:${h.invoke}-${h.response === null ? "pending" : `${h.response.step}=${describeResult(h.response.result as Result)}`}`;
}

/** A replayed execution and the violation it showed (or null), as the comparison reads it. */
export function replayedOf(execution: Execution<unknown, unknown>, violation: { readonly property: string; readonly message: string } | null): Replayed {
  return {
    property: violation?.property ?? null,
    message: violation?.message.split("\n")[0] ?? null,
    failingStep: execution.steps > 0 ? execution.steps - 1 : null,
    steps: execution.steps,
    history: execution.history.map(callRecordLine),
  };
}

/** The call records a report holds, in the same form as `callRecordLine`. */
export function recordedHistory(report: Pick<Recorded, "history">): string[] {
  return report.history.map((h) => `${h.interp}.${h.callIndex}:${h.invoke}-${h.respond === null ? "pending" : `${h.respond}=${h.result}`}`);
}

/** How a replay differs from the counterexample a report records, one phrase each; empty when the same. */
export function replayDifferences(report: Recorded, now: Replayed): string[] {
  const recorded = report.violation;
  const before = recordedHistory(report);
  return [
    ...(now.property !== (recorded?.property ?? null) ? [`property ${now.property ?? "none"} instead of ${recorded?.property ?? "none"}`] : []),
    ...(now.failingStep !== (recorded?.failingStep ?? null) ? [`failing step ${now.failingStep ?? "none"} instead of ${recorded?.failingStep ?? "none"}`] : []),
    ...(now.history.join(";") !== before.join(";") ? [`the history differs (${firstDifference(now.history, before)})`] : []),
  ];
}

/** Where two histories first differ, in words. */
function firstDifference(now: readonly string[], recorded: readonly string[]): string {
  const i = now.findIndex((h, k) => h !== recorded[k]);
  const at = i < 0 ? now.length : i;
  return `call record ${at}: now ${now[at] ?? "none"}, the report ${recorded[at] ?? "none"}`;
}

/**
 * Says what the replay showed against the report (one line, or the JSON body with --json) and
 * returns the exit code: 1 when something failed again, 0 when nothing did. `subject` names what
 * was replayed in the "nothing failed" line (the implementation, a C file, a client module).
 */
export function reportReplay(o: { readonly path: string; readonly report: Recorded; readonly replayed: Replayed; readonly subject: string; readonly json: boolean; readonly out: Output }): ExitCode {
  const { path, report, replayed, out } = o;
  const recorded = report.violation;
  const differences = replayDifferences(report, replayed);
  const same = replayed.property !== null && differences.length === 0;
  const body = {
    report: path,
    reproduced: same,
    property: replayed.property,
    expected: recorded?.property ?? null,
    failingStep: replayed.failingStep,
    differences,
    message: replayed.message,
    steps: replayed.steps,
  };
  if (o.json) out.out(JSON.stringify(body, null, 2));
  else if (same) out.out(`reproduced ${recorded?.property} (${recorded?.propertyName}) after ${replayed.steps} steps: ${replayed.message ?? ""}`);
  else if (replayed.property !== null) out.out(`replayed, but not the same counterexample: ${differences.join("; ")}: ${replayed.message ?? ""}`);
  else out.out(`replayed ${replayed.steps} steps and nothing failed: ${o.subject} no longer shows this counterexample`);
  return replayed.property !== null ? ExitCode.counterexample : ExitCode.agreement;
}
