import { parentPort, workerData } from "node:worker_threads";
import { partitionsOf } from "../properties/checker/check.js";
import { checkHistory, type Model, type Operation, type Verdict } from "../properties/checker/index.js";
import { UsageError } from "./errors.js";
import { firstLine, loadModelModule, verdictOutput, type CheckRequest, type ShareAnswer } from "./model-module.js";

/**
 * The worker of `check-history --model`: loads the user's model and checks the history with it, in
 * a thread the CLI can stop (impl-sandbox.ts, `runModelCheck`). Messages: `{ loaded }` once the
 * module is loaded, then one of `{ output }` (the lines to print and the exit code), `{ usage }` (the
 * module does not export a usable model: exit 2) or `{ failure }` (the model threw: exit 4).
 */
const request = workerData as CheckRequest;
parentPort!.postMessage(await run(request));

async function run({ modelPath, operations, budget, name, json, share }: CheckRequest): Promise<object> {
  let model;
  try {
    model = await loadModelModule(modelPath);
  } catch (e) {
    return { usage: e instanceof UsageError ? e.message : `--model ${modelPath}: the module failed to load (${firstLine(e)})` };
  }
  parentPort!.postMessage({ loaded: true });
  try {
    const verdict = checkHistory(model, operations, { ...budget, ...(share ? { share } : {}) });
    if (share !== undefined) return { output: shareAnswer(model, operations, verdict) };
    const text = (v: unknown): string => JSON.stringify(v) ?? String(v);
    const m = model;
    const describeCall = (o: Operation<unknown, unknown>): string => (m.describeCall ? m.describeCall(o.interp, o.call) : `process ${o.interp}: ${text(o.call)}`);
    const describeResult = (o: Operation<unknown, unknown>): string => (m.describeResult ? m.describeResult(o.result) : text(o.result));
    return { output: verdictOutput(verdict, name, operations.length, json, describeCall, describeResult) };
  } catch (e) {
    return { failure: `--model ${modelPath}: the model threw while checking the history (${firstLine(e)})` };
  }
}

/** An ok share's linearization split by partition index (the same split `checkHistory` made). */
function shareAnswer(model: Model<unknown, unknown, unknown>, operations: Operation<unknown, unknown>[], verdict: Verdict<unknown, unknown>): ShareAnswer {
  if (verdict.kind !== "ok") return undefined;
  const partOf = new Map<number, number>();
  partitionsOf(model, operations).forEach((part, k) => part.forEach((op) => partOf.set(op.id, k)));
  const byPart = new Map<number, number[]>();
  for (const op of verdict.linearization) {
    const k = partOf.get(op.id)!;
    if (!byPart.has(k)) byPart.set(k, []);
    byPart.get(k)!.push(op.id);
  }
  return [...byPart.entries()];
}
