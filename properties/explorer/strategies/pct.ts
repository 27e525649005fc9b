/**
 * PCT (Burckhardt et al. 2010) over decision points. Threads get random distinct priorities
 * d … d+n−1; d−1 change points are drawn from decision points 1…k, where a decision point is a step
 * at which more than one thread is enabled (a step with one enabled thread is no choice, and counting
 * it would only dilute k); the highest-priority enabled thread always runs, and at the i-th change
 * point the thread about to run drops to priority d−i.
 */
import type { Choose } from "../chooser.js";
import type { Machine } from "../machine.js";
import { below, mulberry32 } from "../prng.js";
import type { Session } from "../session.js";
import type { Found } from "./common.js";

/** Estimates k, the decision points of one execution, from a few unjudged random executions. */
export function probeDecisions<Call, Result>(session: Session<Call, Result>, seed: number, probes = 16): number {
  const random = mulberry32(seed ^ 0x5bd1e995);
  let most = 1;
  for (let p = 0; p < probes; p++) {
    let decisions = 0;
    session.runOne((enabled, _m, decision) => {
      decisions = decision;
      return enabled[below(random, enabled.length)] as number;
    }, { judged: false });
    most = Math.max(most, decisions);
  }
  return most;
}

/** The PCT chooser of one run: highest priority first, lowered at the change points. */
function pctChooser<Call, Result>(priority: Float64Array, changeAt: ReadonlyMap<number, number>, depth: number): Choose<Call, Result> {
  const pick = (enabled: readonly number[]): number => {
    let best = enabled[0] as number;
    for (const t of enabled) if ((priority[t] as number) > (priority[best] as number)) best = t;
    return best;
  };
  return (enabled, _m, decision) => {
    let t = pick(enabled);
    if (enabled.length < 2) return t;
    const change = changeAt.get(decision);
    if (change !== undefined) {
      priority[t] = depth - change;
      t = pick(enabled);
    }
    return t;
  };
}

/** Draws one run's priorities (a random permutation of d … d+n−1) and its d−1 change points in 1…k. */
function drawRun(random: () => number, priority: Float64Array, changeAt: Map<number, number>, depth: number, k: number): void {
  const n = priority.length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = below(random, i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  for (let t = 0; t < n; t++) priority[t] = depth + (order[t] as number);
  changeAt.clear();
  for (let i = 1; i < depth && changeAt.size < k; i++) {
    let at = 1 + below(random, k);
    while (changeAt.has(at)) at = 1 + below(random, k);
    changeAt.set(at, i);
  }
}

/**
 * Runs PCT. Returns the violation (if any), the most decision points one run had (so coverage can
 * say whether k held), and how many runs were started (the violating one included).
 */
export function pct<Call, Result>(
  session: Session<Call, Result>,
  depth: number,
  runs: number,
  seed: number,
  k: number,
): { violation: Found<Call, Result>; longest: number; runs: number } {
  const random = mulberry32(seed);
  const priority = new Float64Array(session.machine.n);
  const changeAt = new Map<number, number>();
  const choose = pctChooser<Call, Result>(priority, changeAt, depth);
  let longest = 0;
  let decisions = 0;
  const counting: Choose<Call, Result> = (enabled, m: Machine<Call, Result>, decision) => {
    decisions = decision;
    return choose(enabled, m, decision);
  };
  for (let r = 0; r < runs; r++) {
    drawRun(random, priority, changeAt, depth, k);
    decisions = 0;
    const v = session.runOne(counting);
    longest = Math.max(longest, decisions);
    if (v !== null) return { violation: v, longest, runs: r + 1 };
  }
  return { violation: null, longest, runs };
}
