import { parentPort, workerData } from "node:worker_threads";
import { checkClient, chooseScenarios } from "../properties/scenarios/check.js";
import { loadClientModule } from "./client-module.js";
import { UsageError } from "./errors.js";
import { oneLine } from "./impl-sandbox.js";
import { readFileSync, existsSync } from "node:fs";
import type { FamilyName } from "../model/index.js";
import type { ClientDefinition } from "../properties/scenarios/contract.js";

/** A C extension (cfront/client-column.ts) as a client definition for `family` (else its IL_FAMILY, else the guess from its exports). */
async function loadCClient(file: string, family: string | undefined): Promise<ClientDefinition> {
  if (!existsSync(file)) throw new UsageError(`--client ${file}: no such file`);
  const { compileC, CCompileError } = await import("../cfront/compile.js");
  const { cClientFamily, cClientOf } = await import("../cfront/client.js");
  let compiled;
  try {
    compiled = await compileC(file, readFileSync(file, "utf8"));
  } catch (e) {
    if (e instanceof CCompileError) throw new UsageError(`${file} does not compile: ${e.summary}`);
    throw e;
  }
  try {
    return cClientOf(compiled, cClientFamily(compiled, family as FamilyName | undefined)).definition;
  } catch (e) {
    throw new UsageError(`--client ${file}: ${oneLine((e as Error).message)}`);
  }
}

/**
 * The worker of `verify --client`: loads the client module and checks it scenario by scenario, in
 * a thread the CLI can stop (a hook that never yields, a memory hog). Messages to the parent:
 * `{ family, name, scenarios }` once loaded, then `{ check }` per scenario, or `{ usage }` once.
 */
const { path, family, scenarios, maxExhaustiveStates } = workerData as { path: string; family: string | undefined; scenarios: string[] | undefined; maxExhaustiveStates: number | undefined };
try {
  const d = /\.c$/i.test(path) ? await loadCClient(path, family) : await loadClientModule(path);
  if (family !== undefined && family !== d.family) throw new UsageError(`--client ${path} is written against ${d.family}, not ${family}; pass --family ${d.family}`);
  let chosen;
  try {
    chosen = chooseScenarios(d, scenarios);
  } catch (e) {
    throw new UsageError(scenarios === undefined ? `--client ${path}: ${(e as Error).message}` : `--scenario: ${(e as Error).message}`);
  }
  parentPort!.postMessage({ family: d.family, name: d.name ?? "client", scenarios: chosen.map((s) => s.id) });
  for (const s of chosen) {
    try {
      const [check] = checkClient(d, { scenarios: [s.id], ...(maxExhaustiveStates !== undefined ? { maxExhaustiveStates } : {}) });
      parentPort!.postMessage({ check });
    } catch (e) {
      // Whatever else the client's code makes go wrong (an access outside the memory, say) is its failure too.
      parentPort!.postMessage({ check: { scenario: s.id, verdict: "failed", message: `the module under test failed in scenario ${s.id}: ${oneLine(String((e as Error).message ?? e))}`, coverage: "", states: 0 } });
    }
  }
  parentPort!.postMessage({ done: true });
} catch (e) {
  parentPort!.postMessage({ usage: e instanceof UsageError ? e.message : `--client ${path}: the module failed to load (${oneLine(String((e as Error).message ?? e))})` });
}
