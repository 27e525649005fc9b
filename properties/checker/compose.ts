/**
 * P-compositionality found rather than given: a split of an unpartitioned history into groups of
 * operations that do not interact, inferred from the model's own behaviour, used only to *find* a
 * witness, which is then checked against the whole model before it is believed.
 *
 * Horn & Kroening (2015) check a history per part when the model is a product of independent parts
 * (a key-value map, per key) — what `Model.partition` declares. A user's model may not declare it,
 * and then a highly concurrent history drowns the search: the orders of concurrent writes to
 * different keys multiply in one state (32 threads, 10 k operations: *unknown*). Here:
 * 1. `independentGroups`: the history's distinct calls are tested pairwise for commutation — in
 *    both orders, from a handful of states sampled along the history, the same enabledness, the
 *    same results and the same state — and grouped by the transitive closure of "does not
 *    commute". Sampling can miss an interaction: this is a guess, nothing more.
 * 2. The groups are checked as partitions (check.ts), and their witnesses merged into one order
 *    that keeps each group's order and real time (`mergeOrders`: the locality argument of Herlihy &
 *    Wing — the union of those orders is acyclic when the guess is right).
 * 3. `verified` replays the merged order from the initial state against the whole model, checking
 *    real time and every result. Only a verified order is an `ok` verdict; a failed merge or
 *    replay, a group shown non-linearizable, or a spent budget proves nothing about the history,
 *    and the exhaustive search of the whole goes on. So a wrong guess costs time, never a verdict.
 */
import { canonicalJson } from "./canonical.js";
import type { Operation } from "./types.js";
import type { NormalModel } from "./normalize.js";

/** Distinct calls beyond which no split is inferred (the pairwise test is quadratic in them). */
const maxDistinctCalls = 128;
/** States sampled along the history for the commutation test, besides the initial state. */
const sampledStates = 16;

/**
 * The history's operations grouped so that, on every sampled state, each call of one group
 * commutes with each call of another (see the file comment); undefined when there is one group or
 * too many distinct calls. Groups are in order of their first operation, operations in history order.
 * `work.steps` counts the model steps taken.
 */
export function independentGroups<S, Call, Result>(
  model: NormalModel<S, Call, Result>,
  ops: readonly Operation<Call, Result>[],
  work: { steps: number },
  resultsMatter = true,
): Operation<Call, Result>[][] | undefined {
  const callOf = new Map<string, number>(); // canonical call → index of its representative
  const representatives: Operation<Call, Result>[] = [];
  const callIndex = ops.map((op) => {
    const key = canonicalJson(op.call);
    let k = callOf.get(key);
    if (k === undefined) {
      callOf.set(key, (k = representatives.length));
      representatives.push(op);
    }
    return k;
  });
  const d = representatives.length;
  if (d < 2 || d > maxDistinctCalls) return undefined;
  const samples = sampleStates(model, ops, work);
  const parent = Array.from({ length: d }, (_, k) => k);
  const find = (k: number): number => (parent[k] === k ? k : (parent[k] = find(parent[k]!)));
  for (let a = 0; a < d; a++) {
    for (let b = a + 1; b < d; b++) {
      if (find(a) === find(b)) continue;
      if (samples.some((s) => !commute(model, s, representatives[a]!, representatives[b]!, work, resultsMatter))) parent[find(a)] = find(b);
    }
  }
  const groupOf = new Map<number, Operation<Call, Result>[]>();
  for (const [k, op] of ops.entries()) {
    const root = find(callIndex[k]!);
    let group = groupOf.get(root);
    if (group === undefined) groupOf.set(root, (group = []));
    group.push(op);
  }
  return groupOf.size > 1 ? [...groupOf.values()] : undefined;
}

/** The initial state and `sampledStates` states met applying the history in invocation order (disabled calls skipped). */
function sampleStates<S, Call, Result>(model: NormalModel<S, Call, Result>, ops: readonly Operation<Call, Result>[], work: { steps: number }): S[] {
  const every = Math.max(1, Math.floor(ops.length / sampledStates));
  let state = model.init();
  const out = [state];
  for (const [k, op] of ops.entries()) {
    work.steps++;
    const outcome = model.step(state, op.interp, op.call, op.result);
    if (outcome !== undefined) state = outcome.state;
    if ((k + 1) % every === 0 && out.length <= sampledStates) out.push(state);
  }
  return out;
}

/** Whether `a` then `b` and `b` then `a`, from `s`, are both disabled or give the same results and state. */
function commute<S, Call, Result>(
  model: NormalModel<S, Call, Result>,
  s: S,
  a: Operation<Call, Result>,
  b: Operation<Call, Result>,
  work: { steps: number },
  resultsMatter: boolean,
): boolean {
  work.steps += 4;
  const a1 = model.step(s, a.interp, a.call, a.result);
  const b1 = model.step(s, b.interp, b.call, b.result);
  if (!a1 || !b1) {
    // Disabled here: they commute only if neither enables the other (both disabled, or the
    // disabled one still is after the other).
    if (!a1 && !b1) return true;
    return a1 ? !model.step(a1.state, b.interp, b.call, b.result) : !model.step(b1!.state, a.interp, a.call, a.result);
  }
  const b2 = model.step(a1.state, b.interp, b.call, b.result);
  const a2 = model.step(b1.state, a.interp, a.call, a.result);
  if (!b2 || !a2) return false;
  if (resultsMatter && (!model.equalResult(a1.result, a2.result) || !model.equalResult(b1.result, b2.result))) return false;
  return model.stateEqual ? model.stateEqual(b2.state, a2.state) : model.stateKey(b2.state) === model.stateKey(a2.state);
}

/**
 * One order holding each of `orders` as a subsequence and respecting real time (no operation after
 * one that responded before it was invoked), or undefined if there is none this way: repeatedly the
 * first operation of some order that nothing unplaced must precede (earliest invoked first).
 */
export function mergeOrders<Call, Result>(orders: readonly (readonly Operation<Call, Result>[])[]): Operation<Call, Result>[] | undefined {
  const all = orders.flat();
  const byResponse = all.filter((op) => op.respond !== undefined).sort((x, y) => x.respond! - y.respond! || x.id - y.id);
  const done = new Set<Operation<Call, Result>>();
  const heads = orders.map(() => 0);
  const merged: Operation<Call, Result>[] = [];
  let due = 0; // first unplaced in byResponse
  while (merged.length < all.length) {
    while (due < byResponse.length && done.has(byResponse[due]!)) due++;
    const earliestResponse = due < byResponse.length ? byResponse[due]!.respond! : Infinity;
    let pick = -1;
    for (const [k, order] of orders.entries()) {
      const head = order[heads[k]!];
      if (head === undefined || head.invoke > earliestResponse && byResponse[due] !== head) continue;
      if (pick < 0 || head.invoke < orders[pick]![heads[pick]!]!.invoke) pick = k;
    }
    if (pick < 0) return undefined;
    const op = orders[pick]![heads[pick]!++]!;
    done.add(op);
    merged.push(op);
  }
  return merged;
}

/**
 * Whether `order` is a linearization under the whole model, checked from scratch: no operation is
 * placed after one that responded before it was invoked, and replayed from the initial state every
 * one is enabled and every returned one gives its observed result. (Whether it holds every
 * returned operation of the history is the caller's to check.)
 */
export function verified<S, Call, Result>(model: NormalModel<S, Call, Result>, order: readonly Operation<Call, Result>[], work: { steps: number }): boolean {
  let earliestLaterResponse = Infinity;
  for (let k = order.length - 1; k >= 0; k--) {
    const op = order[k]!;
    if (earliestLaterResponse < op.invoke) return false;
    if (op.respond !== undefined && op.respond < earliestLaterResponse) earliestLaterResponse = op.respond;
  }
  let state = model.init();
  for (const op of order) {
    work.steps++;
    const outcome = model.step(state, op.interp, op.call, op.result);
    if (outcome === undefined) return false;
    if (op.respond !== undefined && !model.equalResult(outcome.result, op.result as Result)) return false;
    state = outcome.state;
  }
  return true;
}
