/**
 * The worker's half of `interlock replay` for a `verify --client` report: the client cell rebuilt
 * from the loaded module and the scenario the report names, the token replayed under the same
 * judge, and what happened as plain data the CLI compares with the report (client-report-replay.ts).
 */
import { describeResult, type Result } from "../model/index.js";
import { replay } from "../properties/explorer/index.js";
import type { ClientDefinition } from "../properties/scenarios/contract.js";
import { scenarios } from "../properties/scenarios/scenarios.js";
import { clientCell } from "./client-report-cell.js";

/** What to replay: the report's scenario and token. */
export interface ReplayRequest {
  readonly scenario: string;
  readonly token: string;
}

/** What the replay did: the schedule no longer fits (a one-line reason), or the execution it ran. */
export type ReplayOutcome =
  | { readonly status: "mismatch"; readonly message: string }
  | {
      readonly status: "replayed";
      readonly property: string | null;
      readonly message: string | null;
      readonly failingStep: number | null;
      readonly steps: number;
      /** Each call as `interp.callIndex:invoke-respond=result`, the form the report's history is compared in. */
      readonly history: readonly string[];
    };

export function replayCell(d: ClientDefinition, req: ReplayRequest): ReplayOutcome {
  const scenario = scenarios.find((s) => s.id === req.scenario);
  if (scenario === undefined) return { status: "mismatch", message: `the report names scenario ${req.scenario}, which this interlock does not have` };
  const cell = clientCell(d, scenario);
  let r;
  try {
    r = replay(cell.subject, cell.programs, req.token, cell.hooks);
  } catch (e) {
    return { status: "mismatch", message: `its token does not decode (${(e as Error).message.split("\n")[0] ?? ""}); the report is damaged` };
  }
  if (r.status === "mismatch") return { status: "mismatch", message: `the schedule no longer matches the client at ${r.message}` };
  const e = r.execution;
  return {
    status: "replayed",
    property: r.violation?.property ?? null,
    message: r.violation?.message.split("\n")[0] ?? null,
    failingStep: e.steps > 0 ? e.steps - 1 : null,
    steps: e.steps,
    history: e.history.map((h) => `${h.interp}.${h.callIndex}:${h.invoke}-${h.response === null ? "pending" : `${h.response.step}=${describeResult(h.response.result as Result)}`}`),
  };
}
