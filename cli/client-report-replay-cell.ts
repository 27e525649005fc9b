/**
 * The worker's half of `interlock replay` for a `verify --client` report: the client cell rebuilt
 * from the loaded module and the scenario the report names, the token replayed under the same
 * judge, and what happened as plain data the CLI compares with the report (cli/replay-outcome.ts).
 */
import { replay } from "../properties/explorer/index.js";
import type { ClientDefinition } from "../properties/scenarios/contract.js";
import { scenarios } from "../properties/scenarios/scenarios.js";
import { clientCell } from "./client-report-cell.js";
import { replayedOf, type Replayed } from "./replay-outcome.js";

/** What to replay: the report's scenario and token. */
export interface ReplayRequest {
  readonly scenario: string;
  readonly token: string;
}

/** What the replay did: the schedule no longer fits (a one-line reason), or what it replayed (cli/replay-outcome.ts). */
export type ReplayOutcome = { readonly status: "mismatch"; readonly message: string } | ({ readonly status: "replayed" } & Replayed);

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
  return { status: "replayed", ...replayedOf(r.execution, r.violation) };
}
