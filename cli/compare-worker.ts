import { parentPort, workerData } from "node:worker_threads";
import { runCompareTask, type CompareBudgets, type CompareTask } from "../properties/scenarios/compare-data.js";

/**
 * A worker thread of `interlock compare --jobs n`: takes the comparison's tasks (a matrix cell, or
 * a catalogue entry in one scenario) one at a time and answers each, so the cells are decided on
 * every core. Messages: `{ index, task }` in, `{ index, answer }` or `{ index, error }` out; `null`
 * ends the worker.
 */
const budgets = (workerData as { budgets: CompareBudgets }).budgets;

parentPort!.on("message", (m: { index: number; task: CompareTask } | null) => {
  if (m === null) {
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({ index: m.index, answer: runCompareTask(m.task, budgets) });
  } catch (e) {
    parentPort!.postMessage({ index: m.index, error: (e as Error).stack ?? String(e) });
  }
});
