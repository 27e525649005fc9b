import { explainStuck } from "./explain.js";
import type { Model, Operation, Verdict } from "./types.js";
import { byInvokeThenId, normalizeModel, validateHistory } from "./normalize.js";

/**
 * The reference the fast checker is tested against: enumerates every order of the history that
 * respects real time (B may follow A unless B responded before A was invoked), with each pending
 * operation either placed somewhere after its invocation or left out, and accepts the first order
 * the model agrees with. No memo, no event list, no partitioning: simple enough to trust, and
 * exponential, so only for small histories. Past `maxNodes` placements it gives up (`unknown`).
 *
 * Its violation verdict has the same shape as `checkHistory`'s (partition 0, the whole history):
 * `prefix` is the linearizable prefix over all orders that places the most returned operations (the
 * first found), which places exactly as many as the one `checkHistory` reports when it does not
 * partition.
 */
export function checkHistoryBruteForce<S, Call, Result>(
  model: Model<S, Call, Result>,
  history: readonly Operation<Call, Result>[],
  maxNodes = 5_000_000,
): Verdict<Call, Result> {
  const normal = normalizeModel(model);
  validateHistory(history);
  const ops = [...history].sort(byInvokeThenId);
  const n = ops.length;
  const placed: boolean[] = new Array<boolean>(n).fill(false);
  const order: number[] = [];
  let best: number[] = [];
  let nodes = 0;
  let unplacedReturned = ops.filter((op) => op.respond !== undefined).length;

  /** How many returned operations an order places: "longest" counts these (pending ones are optional). */
  const returnedIn = (order: readonly number[]): number => order.reduce((n, k) => n + (ops[k]!.respond === undefined ? 0 : 1), 0);

  /** Real time allows `b` next iff no unplaced returned operation responded before `b` was invoked. */
  const allowedNext = (b: number): boolean =>
    ops.every((a, k) => placed[k] || a.respond === undefined || !(a.respond < ops[b]!.invoke));

  const search = (state: S): "ok" | "no" | "gave-up" => {
    if (unplacedReturned === 0) return "ok";
    for (let b = 0; b < n; b++) {
      if (placed[b] || !allowedNext(b)) continue;
      if (++nodes > maxNodes) return "gave-up";
      const op = ops[b]!;
      const outcome = normal.step(state, op.interp, op.call, op.result);
      if (outcome === undefined) continue;
      if (op.respond !== undefined && !normal.equalResult(outcome.result, op.result as Result)) continue;
      placed[b] = true;
      order.push(b);
      if (op.respond !== undefined) unplacedReturned--;
      if (returnedIn(order) > returnedIn(best)) best = [...order];
      const found = search(outcome.state);
      if (found !== "no") return found;
      if (op.respond !== undefined) unplacedReturned++;
      order.pop();
      placed[b] = false;
    }
    return "no";
  };

  switch (search(normal.init())) {
    case "ok":
      return { kind: "ok", linearization: order.map((i) => ops[i]!) };
    case "gave-up":
      return { kind: "unknown", reason: "work", detail: `brute force gave up after ${maxNodes} placements`, decided: [], undecided: [0] };
    case "no": {
      const prefix = best.map((i) => ops[i]!);
      const { stuck, explanation } = explainStuck(normal, ops, prefix, 0);
      return { kind: "violation", partition: 0, prefix, stuck, explanation };
    }
  }
}

/**
 * Checks a witness: whether `order` is a linearization of `history` under `model`. Returns
 * undefined when it is, otherwise the first reason it is not. Every returned operation must
 * appear once, a pending one at most once; real-time order must be kept; each call must be
 * enabled where it is placed and, unless pending, return its observed result. When the model
 * partitions histories, each partition's operations (in the order they appear in `order`) are
 * checked from the initial state on their own, as `checkHistory`'s concatenated witness requires.
 */
export function validateLinearization<S, Call, Result>(
  model: Model<S, Call, Result>,
  history: readonly Operation<Call, Result>[],
  order: readonly Operation<Call, Result>[],
): string | undefined {
  const normal = normalizeModel(model);
  const sorted = [...history].sort(byInvokeThenId);
  const parts = model.partition ? model.partition(sorted) : [sorted];
  const known = new Map(history.map((op) => [op.id, op] as const));
  const seen = new Set<number>();
  for (const op of order) {
    if (known.get(op.id) !== op) return `operation ${op.id} is not in the history`;
    if (seen.has(op.id)) return `operation ${op.id} appears twice`;
    seen.add(op.id);
  }
  for (const op of history) {
    if (op.respond !== undefined && !seen.has(op.id)) return `returned operation ${op.id} is missing`;
  }
  for (const part of parts) {
    const members = new Set(part.map((op) => op.id));
    const sub = order.filter((op) => members.has(op.id));
    let state = normal.init();
    for (const [k, op] of sub.entries()) {
      for (const later of sub.slice(k + 1)) {
        if (later.respond !== undefined && later.respond < op.invoke) {
          return `operation ${later.id} responded (${later.respond}) before ${op.id} was invoked (${op.invoke}) yet is placed after it`;
        }
      }
      const outcome = normal.step(state, op.interp, op.call, op.result);
      if (outcome === undefined) return `operation ${op.id} is not enabled where it is placed`;
      if (op.respond !== undefined && !normal.equalResult(outcome.result, op.result as Result)) {
        return `operation ${op.id} returned ${normal.describeResult(op.result as Result)} but the model returns ${normal.describeResult(outcome.result)} there`;
      }
      state = outcome.state;
    }
  }
  return undefined;
}
