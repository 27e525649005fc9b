import { parentPort, workerData } from "node:worker_threads";
import { loadImplModule } from "./impl-module.js";
import { guardFactories, oneLine } from "./impl-sandbox.js";
import { runJobToReport, type JobRequest } from "./verify-job-report.js";

/**
 * A worker thread of `interlock verify`: takes job requests one at a time from the parent and
 * answers each with its outcome (report included), so jobs run on every core — and, for an
 * `--impl` module, so the module's code runs where the parent can stop it (cli/impl-sandbox.ts).
 * Anything an --impl module throws during a job is that job's failure, not the worker's.
 */
const implPath = (workerData as { implPath: string | undefined }).implPath;
const factories = implPath === undefined ? undefined : guardFactories(implPath, await loadImplModule(implPath));

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
    if (implPath !== undefined) parentPort!.postMessage({ failure: `the module under test failed in ${req.job.id}: ${oneLine((e as Error).message ?? String(e))}` });
    else parentPort!.postMessage({ error: (e as Error).stack ?? String(e) });
  }
});
