import { parentPort, workerData } from "node:worker_threads";
import { loadImplModule } from "./impl-module.js";
import { runJobToReport, type JobRequest } from "./verify-job.js";

/**
 * A worker thread of `interlock verify --jobs N`: takes job requests one at a time from the parent
 * and answers each with its outcome (report included), so jobs run on every core.
 */
const implPath = (workerData as { implPath: string | undefined }).implPath;
const factories = implPath === undefined ? undefined : await loadImplModule(implPath);

parentPort!.on("message", (req: JobRequest | null) => {
  if (req === null) {
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({ ok: runJobToReport(req, factories) });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).stack ?? String(e) });
  }
});
