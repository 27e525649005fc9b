import { parentPort, workerData } from "node:worker_threads";
import type { ModelConfig } from "../model/index.js";
import { UsageError } from "./errors.js";
import { checkSubjectContract, loadImplModule } from "./impl-module.js";

/**
 * The probe worker of `--impl`: loads the user's module and checks every Subject it provides
 * against the contract, in a thread the CLI can stop (impl-sandbox.ts). Answers once: the families
 * provided, or the one-line usage error.
 */
const { path, config } = workerData as { path: string; config: ModelConfig };
try {
  const factories = await loadImplModule(path);
  for (const [family, factory] of Object.entries(factories)) checkSubjectContract(path, family as never, factory, config);
  parentPort!.postMessage({ provided: Object.keys(factories) });
} catch (e) {
  parentPort!.postMessage({ usage: e instanceof UsageError ? e.message : `--impl ${path}: the module failed to load (${String((e as Error).message ?? e).split("\n")[0]})` });
}
