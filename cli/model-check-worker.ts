import { parentPort, workerData } from "node:worker_threads";
import { checkHistoryComposing, partitionsOf } from "../properties/checker/check.js";
import { checkHistory, emptyStats, type Model, type Operation } from "../properties/checker/index.js";
import { UsageError } from "./errors.js";
import { firstLine, loadModelModule, unpackOperations, verdictOutput, type CheckRequest, type ShareAnswer } from "./model-module.js";

/**
 * The worker of `check-history --model`: loads the user's model and checks the history with it, in
 * a thread the CLI can stop (impl-sandbox.ts, `runModelCheck`). Messages: `{ loaded }` once the
 * module is loaded, then one of `{ output }` (the lines to print and the exit code), `{ usage }` (the
 * module does not export a usable model: exit 2) or `{ failure }` (the model threw: exit 4).
 */
const request = workerData as CheckRequest;
parentPort!.postMessage(await run(request));

async function run({ modelPath, operations: packed, budget, name, json, share }: CheckRequest): Promise<object> {
  const operations = unpackOperations(packed);
  let model;
  try {
    model = await loadModelModule(modelPath);
  } catch (e) {
    return { usage: e instanceof UsageError ? e.message : `--model ${modelPath}: the module failed to load (${firstLine(e)})` };
  }
  parentPort!.postMessage({ loaded: true });
  try {
    if (share !== undefined) return { output: claimedPartitions(model, operations, budget, share.claim) };
    const verdict = checkHistory(model, operations, budget);
    const text = (v: unknown): string => JSON.stringify(v) ?? String(v);
    const m = model;
    const describeCall = (o: Operation<unknown, unknown>): string => (m.describeCall ? m.describeCall(o.interp, o.call) : `process ${o.interp}: ${text(o.call)}`);
    const describeResult = (o: Operation<unknown, unknown>): string => (m.describeResult ? m.describeResult(o.result) : text(o.result));
    return { output: verdictOutput(verdict, name, operations.length, json, describeCall, describeResult) };
  } catch (e) {
    return { failure: `--model ${modelPath}: the model threw while checking the history (${firstLine(e)})` };
  }
}

/**
 * The partitions this worker claims from the shared counter (largest first, ties by index: the
 * same list in every worker), each checked alone as the single-thread check searches it (its own
 * search; the inferred split only when there is one partition), within this worker's budgets; their linearizations by partition
 * index, or undefined at the first that is not linearizable within them.
 */
function claimedPartitions(model: Model<unknown, unknown, unknown>, operations: Operation<unknown, unknown>[], budget: CheckRequest["budget"], claim: SharedArrayBuffer): ShareAnswer {
  const parts = partitionsOf(model, operations);
  const order = [...parts.keys()].sort((a, b) => parts[b]!.length - parts[a]!.length || a - b);
  const counter = new Int32Array(claim);
  const deadline = performance.now() + budget.timeMs;
  let nodesLeft = budget.maxNodes;
  const answer: [number, number[]][] = [];
  for (let next = Atomics.add(counter, 0, 1); next < order.length; next = Atomics.add(counter, 0, 1)) {
    const k = order[next]!;
    const stats = emptyStats();
    const options = { maxNodes: Math.max(1, nodesLeft), maxMemoEntries: budget.maxMemoEntries, timeMs: Math.max(1, deadline - performance.now()), partition: false, stats };
    // A history of one partition is the whole history: searched as the single thread does, the
    // inferred split included, so that the witness (and the output) is the same.
    const verdict = checkHistoryComposing(model, parts[k]!, options, parts.length === 1 ? "verified" : "off");
    nodesLeft -= stats.nodes;
    if (verdict.kind !== "ok") return undefined;
    answer.push([k, verdict.linearization.map((op) => op.id)]);
  }
  return answer;
}
