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
    // Progress goes to the parent as it comes (the explorer reports at most every 250 ms), so the
    // live line moves while jobs run in parallel.
    parentPort!.postMessage({ ok: runJobToReport(req, factories, (progress) => parentPort!.postMessage({ progress })) });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).stack ?? String(e) });
  }
});
