import type { Operation } from "./types.js";
import type { NormalModel } from "./normalize.js";

/** What the checker reports about a partition that has no linearization. */
export interface Stuck<Call, Result> {
  stuck: Operation<Call, Result>[];
  explanation: string;
}

/**
 * Explains why the longest linearizable prefix `prefix` of `ops` cannot be extended: replays it
 * from the initial state, then lists every operation that real-time order allows next (invoked
 * before every unplaced returned operation responded) and what the model says about it there.
 * Pending operations in the prefix are replayed with the model's result (they may return anything).
 */
export function explainStuck<S, Call, Result>(
  model: NormalModel<S, Call, Result>,
  ops: readonly Operation<Call, Result>[],
  prefix: readonly Operation<Call, Result>[],
  partition: number,
): Stuck<Call, Result> {
  let state = model.init();
  for (const op of prefix) {
    const r = model.step(state, op.interp, op.call, op.result);
    if (r === undefined) throw new Error(`internal: prefix operation ${op.id} is not enabled on replay`);
    state = r.state;
  }
  const placed = new Set(prefix.map((op) => op.id));
  const unplaced = ops.filter((op) => !placed.has(op.id));
  let earliestRespond = Infinity;
  for (const op of unplaced) if (op.respond !== undefined && op.respond < earliestRespond) earliestRespond = op.respond;
  const candidates = unplaced.filter((op) => op.invoke <= earliestRespond);

  const returnedCount = ops.filter((op) => op.respond !== undefined).length;
  const describe = (op: Operation<Call, Result>): string => `${model.describeCall(op.interp, op.call)} [op ${op.id}]`;
  const lines: string[] = [];
  const stuck: Operation<Call, Result>[] = [];
  for (const op of candidates) {
    const r = model.step(state, op.interp, op.call, op.result);
    if (op.respond === undefined) {
      if (r === undefined) {
        stuck.push(op);
        lines.push(`  - ${describe(op)}, pending, blocks in this state`);
      }
      continue;
    }
    const observed = model.describeResult(op.result as Result);
    if (r === undefined) {
      stuck.push(op);
      lines.push(`  - ${describe(op)} returned ${observed}, but it blocks in this state`);
    } else if (!model.equalResult(r.result, op.result as Result)) {
      stuck.push(op);
      lines.push(`  - ${describe(op)} returned ${observed}, but here the model returns ${model.describeResult(r.result)}`);
    }
  }
  const placedReturned = prefix.filter((op) => op.respond !== undefined).length;
  const head =
    `partition ${partition}: not linearizable. The longest linearizable prefix places ${prefix.length} operation(s) ` +
    `(${placedReturned} of ${returnedCount} returned)` +
    (prefix.length > 0 ? `, ending with ${describe(prefix[prefix.length - 1]!)}` : "") +
    `; the state after it is ${model.describeState(state)}.`;
  const tail =
    earliestRespond === Infinity
      ? ""
      : `\nEvery returned operation still unplaced must take effect before anything invoked after ${earliestRespond}, ` +
        `and none of the operations that may go next is allowed by the model:`;
  return { stuck, explanation: [head + tail, ...lines].join("\n") };
}
