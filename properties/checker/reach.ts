/**
 * What a partition's operations can do, worked out before its search: the states they can reach
 * and, from it, what makes a search behind many crashed (`:info`) operations cheap.
 *
 * `reachableStates` closes the initial state under every operation, in any order and any number of
 * times (a returned operation only where it gives its observed result; a pending one with any
 * result). That set contains every state any partial linearization can be in — it ignores real
 * time and "each operation once", so it is larger, never smaller. When it is small (a register has
 * a handful of values) it is complete within its cap and gives three sound facts:
 *
 * - **Impossible operations.** A returned operation that no reachable state lets return what it
 *   returned (a read of a value nobody wrote) can never be placed: the partition is not
 *   linearizable, decided without a search.
 * - **Useless pending operations.** A pending operation that, in every reachable state, blocks or
 *   leaves the state as it is (a crashed read) changes nothing whether it took effect or not, so
 *   the search leaves it out.
 * - **Interchangeable pending operations.** Two pending operations that take every reachable state
 *   to the same state (two crashed writes of the same value) are interchangeable once both are
 *   invoked, and a pending operation's result is unconstrained: a linearization that places the
 *   later-invoked one while the earlier one is unplaced can place the earlier one there instead.
 *   So the search places, of each such class, only the earliest-invoked unplaced one: the placed
 *   pending sets it explores are counts per class rather than subsets.
 *
 * When the closure exceeds its caps (e.g. appends make states without end) nothing is concluded and
 * the search runs as it would without this analysis.
 */
import type { Operation } from "./types.js";
import type { NormalModel } from "./normalize.js";
import type { StateTable } from "./memo.js";
import { canonicalJson } from "./canonical.js";

/** Most states the closure interns before it gives up (and concludes nothing). */
export const reachStateCap = 256;
/**
 * Most model steps the closure takes before it gives up: 200 k, and no more than 64 + 8 per
 * operation, so that on a small history with many states (an API family's model) it costs about
 * what a short search does, not thousands of steps for a dozen operations.
 */
export const reachStepCap = 200_000;
const stepCapFor = (operations: number): number => Math.min(reachStepCap, 64 + 8 * operations);

/** What `reachableStates` concluded about a partition. */
interface Reach {
  /** Model steps taken (counted as search nodes). */
  steps: number;
  /** Whether the closure finished: only then are the fields below filled in. */
  complete: boolean;
  /** Indices (into `returned`) of returned operations no reachable state lets return their result. */
  impossible: number[];
  /**
   * For each pending operation (index into `pending`), its class: pending operations of one class
   * take every reachable state to the same state; -1 means useless (blocks or changes nothing).
   */
  pendingClass: Int32Array;
}

/**
 * Closes the initial state under `returned` and `pending` (interning states into `states`, whose
 * ids the search then shares), within `stepCapFor` steps and `reachStateCap` states (fewer when
 * `stateCap`, what is left of the memo budget, is smaller: interned states count in it).
 */
function reachableStates<S, Call, Result>(
  model: NormalModel<S, Call, Result>,
  returned: readonly Operation<Call, Result>[],
  pending: readonly Operation<Call, Result>[],
  states: StateTable<S>,
  stateCap: number,
): Reach {
  const pendingClass = new Int32Array(pending.length);
  const incomplete = (steps: number): Reach => ({ steps, complete: false, impossible: [], pendingClass: pendingClass.fill(0).map((_, j) => j) });
  // Operations that behave alike (same interp, call and observed result) are stepped once.
  const distinct = new Map<string, Operation<Call, Result>>();
  for (const op of [...returned, ...pending]) {
    const key = canonicalJson([op.interp, op.call, op.respond === undefined ? null : [op.result]]);
    if (!distinct.has(key)) distinct.set(key, op);
  }
  const kinds = [...distinct.values()];
  const reached: number[] = [states.intern(model.init())];
  const seen = new Set(reached);
  let steps = 0;
  const stepCap = stepCapFor(returned.length + pending.length);
  for (let k = 0; k < reached.length; k++) {
    const s = states.states[reached[k]!]!;
    for (const op of kinds) {
      if (++steps > stepCap) return incomplete(steps);
      const next = stepped(model, s, op);
      if (next === undefined) continue;
      const id = states.intern(next);
      if (seen.has(id)) continue;
      if (reached.length >= Math.min(stateCap, reachStateCap)) return incomplete(steps);
      seen.add(id);
      reached.push(id);
    }
  }
  const impossible: number[] = [];
  returned.forEach((op, i) => {
    steps += reached.length;
    if (!reached.some((id) => stepped(model, states.states[id]!, op) !== undefined)) impossible.push(i);
  });
  const classes = new Map<string, number>();
  pending.forEach((op, j) => {
    steps += reached.length;
    const signature = reached.map((id) => {
      const next = stepped(model, states.states[id]!, op);
      return next === undefined ? id : states.intern(next);
    });
    if (signature.every((to, k) => to === reached[k])) {
      pendingClass[j] = -1;
      return;
    }
    const key = signature.join(",");
    let c = classes.get(key);
    if (c === undefined) classes.set(key, (c = classes.size));
    pendingClass[j] = c;
  });
  return { steps, complete: true, impossible, pendingClass };
}

/** The state `op` leads to from `s`, or undefined when it blocks there or (returned) gives another result. */
function stepped<S, Call, Result>(model: NormalModel<S, Call, Result>, s: S, op: Operation<Call, Result>): S | undefined {
  const outcome = model.step(s, op.interp, op.call, op.result);
  if (outcome === undefined) return undefined;
  if (op.respond !== undefined && !model.equalResult(outcome.result, op.result as Result)) return undefined;
  return outcome.state;
}

/** How a partition's search is set up after `reachableStates`. */
export interface SearchPlan<Call, Result> {
  /** Model steps the analysis took. */
  steps: number;
  /** The pending operations the search tries (useless ones left out), by invocation then id. */
  pending: Operation<Call, Result>[];
  /** For each of `pending`, the index of its earlier-invoked interchangeable twin, or -1. */
  twin: Int32Array;
  /** Returned operations that can never be placed: when any, the partition is not linearizable. */
  impossible: Operation<Call, Result>[];
  /**
   * When `impossible` is not empty, the most returned operations any linearizable prefix can
   * place: those invoked no later than the first impossible one's response, minus the impossible
   * ones. A search that reaches it has found the longest prefix and can stop.
   */
  prefixBound: number;
}

/** Analyses the partition (when `analyse`) and plans its search. */
export function planSearch<S, Call, Result>(
  model: NormalModel<S, Call, Result>,
  returned: readonly Operation<Call, Result>[],
  pending: readonly Operation<Call, Result>[],
  states: StateTable<S>,
  analyse: boolean,
  stateCap: number,
): SearchPlan<Call, Result> {
  if (!analyse) return { steps: 0, pending: [...pending], twin: new Int32Array(pending.length).fill(-1), impossible: [], prefixBound: returned.length };
  const reach = reachableStates(model, returned, pending, states, stateCap);
  const kept: Operation<Call, Result>[] = [];
  const classOf: number[] = [];
  pending.forEach((op, j) => {
    if (reach.pendingClass[j]! < 0) return;
    kept.push(op);
    classOf.push(reach.pendingClass[j]!);
  });
  const twin = new Int32Array(kept.length).fill(-1);
  const lastOfClass = new Map<number, number>();
  classOf.forEach((c, j) => {
    twin[j] = lastOfClass.get(c) ?? -1;
    lastOfClass.set(c, j);
  });
  const impossible = reach.impossible.map((i) => returned[i]!);
  let cutoff = Infinity;
  for (const op of impossible) cutoff = Math.min(cutoff, op.respond!);
  const prefixBound = impossible.length === 0 ? returned.length : returned.filter((op) => op.invoke <= cutoff && !impossible.includes(op)).length;
  return { steps: reach.steps, pending: kept, twin, impossible, prefixBound };
}
