import { parentPort, workerData } from "node:worker_threads";
import { chooseScenarios } from "../properties/scenarios/check-client.js";
import type { ClientDefinition } from "../properties/scenarios/contract.js";
import { checkScenario } from "./client-report-build.js";
import { replayCell, type ReplayRequest } from "./client-report-replay-cell.js";
import { clientPathParts, loadClientModule } from "./client-module.js";
import { UsageError } from "./errors.js";
import { oneLine } from "./impl-sandbox.js";
import { existsSync } from "node:fs";
import type { FamilyName } from "../model/index.js";

/** A C extension (cfront/client-column.ts) as a client definition for `family` (else its IL_FAMILY, else the guess from its exports). */
async function loadCClient(file: string, family: string | undefined): Promise<ClientDefinition> {
  if (!existsSync(file)) throw new UsageError(`--client ${file}: no such file`);
  const { compileForCli } = await import("./c-impl.js");
  const { cClientFamily, cClientOf } = await import("../cfront/client.js");
  const compiled = await compileForCli(file);
  try {
    return cClientOf(compiled, cClientFamily(compiled, family as FamilyName | undefined)).definition;
  } catch (e) {
    throw new UsageError(`--client ${file}: ${oneLine((e as Error).message)}`);
  }
}

/**
 * The worker of `verify --client` and of `replay` of a client report: loads the client module and
 * checks it scenario by scenario (or replays one token), in a thread the CLI can stop (a hook that
 * never yields, a memory hog). Messages to the parent: `{ family, name, scenarios }` once loaded,
 * then `{ check, report }` per scenario (or `{ replayed }`), or `{ usage }` once.
 */
const data = workerData as { path: string; family: string | undefined; scenarios: string[] | undefined; maxExhaustiveStates: number | undefined; replay?: ReplayRequest };
const { path, family, scenarios, maxExhaustiveStates } = data;

function checkAll(d: ClientDefinition): void {
  let chosen;
  try {
    chosen = chooseScenarios(d, scenarios);
  } catch (e) {
    throw new UsageError(scenarios === undefined ? `--client ${path}: ${(e as Error).message}` : `--scenario: ${(e as Error).message}`);
  }
  parentPort!.postMessage({ family: d.family, name: d.name ?? "client", scenarios: chosen.map((s) => s.id) });
  const { path: file, named } = clientPathParts(path);
  for (const s of chosen) {
    try {
      parentPort!.postMessage(checkScenario(d, { path: file, exportName: named ?? "" }, s, maxExhaustiveStates));
    } catch (e) {
      // Whatever else the client's code makes go wrong outside a hook (its disciplines, say) is its failure too.
      parentPort!.postMessage({ check: { scenario: s.id, verdict: "failed", message: `the module under test failed in scenario ${s.id}: ${oneLine(String((e as Error).message ?? e))}`, coverage: "", states: 0 } });
    }
  }
}

try {
  const d = /\.c$/i.test(path) ? await loadCClient(path, family) : await loadClientModule(path);
  if (family !== undefined && family !== d.family) throw new UsageError(`--client ${path} is written against ${d.family}, not ${family}; pass --family ${d.family}`);
  if (data.replay !== undefined) {
    parentPort!.postMessage({ family: d.family, name: d.name ?? "client", scenarios: [data.replay.scenario] });
    parentPort!.postMessage({ replayed: replayCell(d, data.replay) });
  } else {
    checkAll(d);
  }
  parentPort!.postMessage({ done: true });
} catch (e) {
  parentPort!.postMessage({ usage: e instanceof UsageError ? e.message : `--client ${path}: the module failed to load (${oneLine(String((e as Error).message ?? e))})` });
}
