import { parentPort, workerData } from "node:worker_threads";
import type { FamilyName, ModelConfig } from "../model/index.js";
import { UsageError } from "./errors.js";
import { checkSubjectContract, loadImplModule } from "./impl-module.js";

/**
 * The probe worker of `--impl`: loads the user's module and checks every Subject it provides
 * against the contract, in a thread the CLI can stop (impl-sandbox.ts). Answers once: the families
 * provided, or the one-line usage error.
 */
const { path, config, families } = workerData as { path: string; config: ModelConfig; families: FamilyName[] | undefined };
try {
  const factories = await loadImplModule(path);
  const provided = Object.keys(factories) as FamilyName[];
  const missing = (families ?? []).filter((f) => !provided.includes(f));
  if (missing.length > 0) throw new UsageError(`--impl ${path} provides no ${missing.join(", ")} (it provides ${provided.join(", ")})`);
  for (const family of families ?? provided) checkSubjectContract(path, family, factories[family]!, config);
  parentPort!.postMessage({ provided: Object.keys(factories) });
} catch (e) {
  parentPort!.postMessage({ usage: e instanceof UsageError ? e.message : `--impl ${path}: the module failed to load (${String((e as Error).message ?? e).split("\n")[0]})` });
}
