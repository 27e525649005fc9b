/**
 * The search strategies. Each takes a Session (machine + hooks + limits) and returns the first
 * violation it finds, or null; each says what it covered through the facts it returns.
 */
import { mulberry32, below } from "./prng.js";
import { Machine } from "./machine.js";
import { LimitReached, type Session } from "./session.js";
import { StateTable } from "./stateTable.js";
import type { FoundViolation } from "./types.js";

type Found<Call, Result> = FoundViolation<Call, Result> | null;

/** A growable stack of machine snapshots with one int per frame of search bookkeeping. */
class Frames {
  data: Int32Array;
  next: Int32Array;
  extra: Int32Array;
  constructor(readonly width: number) {
    this.data = new Int32Array(width * 64);
    this.next = new Int32Array(64);
    this.extra = new Int32Array(64);
  }
  ensure(depth: number): void {
    if (depth < this.next.length) return;
    const grow = (a: Int32Array, size: number): Int32Array => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.data = grow(this.data, this.data.length * 2);
    this.next = grow(this.next, this.next.length * 2);
    this.extra = grow(this.extra, this.extra.length * 2);
  }
}

function checkStates<Call, Result>(session: Session<Call, Result>, table: StateTable): void {
  if (table.size > session.limits.maxStates) {
    throw new LimitReached({
      limit: "maxStates",
      value: session.limits.maxStates,
      message: `exceeded maxStates (${session.limits.maxStates}) distinct states (${Math.round(table.bytes() / 2 ** 20)} MiB)`,
    });
  }
}

/**
 * A state the search reached before (with at least as much budget): its future is explored, but a
 * finished execution still gets its history judged.
 */
function revisited<Call, Result>(session: Session<Call, Result>): Found<Call, Result> {
  return session.machine.allFinished() ? session.terminal() : null;
}

/** What `judgeNewState` returns for a state with nothing below it to explore. */
const LEAF = "leaf";

/**
 * Judges a state the search reaches for the first time — its limits, the monitor, the end of an
 * execution, the step bound — shared by the stateful strategies. Returns a violation, LEAF when
 * nothing below it needs exploring, or null when the search should descend into it.
 */
function judgeNewState<Call, Result>(session: Session<Call, Result>, table: StateTable): Found<Call, Result> | typeof LEAF {
  const m = session.machine;
  session.states = table.size;
  checkStates(session, table);
  const v = session.monitor();
  if (v !== null) return v;
  if (!anyEnabled(m)) return session.terminal() ?? LEAF;
  if (m.steps >= session.limits.maxSteps) return session.livelock();
  return null;
}

/** True if an earlier thread of t's symmetry class sits in the very same position (same successor up to symmetry). */
function shadowed<Call, Result>(m: Machine<Call, Result>, t: number): boolean {
  if (!m.symmetric) return false;
  const c = m.classOf[t];
  for (let u = 0; u < t; u++) {
    if (m.classOf[u] === c && m.node[u] === m.node[t] && m.rank[u] === m.rank[t]) return true;
  }
  return false;
}

/**
 * Exhaustive: depth-first search over global states with a visited set (memory + every thread's
 * node and wait rank, sorted within symmetry classes). The DFS stack is the schedule that reaches
 * the current state, so any violation comes with a replayable token.
 */
export function exhaustive<Call, Result>(session: Session<Call, Result>): Found<Call, Result> {

  const m = session.machine;
  const table = new StateTable(m.keyWidth);
  const frames = new Frames(m.snapshotWidth);
  const W = m.snapshotWidth;
  const n = m.n;
  m.reset();
  table.findOrInsert(m.key(), 0);
  session.states = 1;
  let v = session.monitor();
  if (v !== null) return v;
  if (!anyEnabled(m)) return session.terminal();
  m.save(frames.data, 0);
  frames.next[0] = 0;
  let depth = 1;
  let dirty = false;
  while (depth > 0) {
    const d = depth - 1;
    if (dirty) m.restore(frames.data, d * W);
    dirty = false;
    let t = frames.next[d] as number;
    while (t < n && (!m.isEnabled(t) || shadowed(m, t))) t++;
    if (t >= n) {
      depth--;
      dirty = true;
      continue;
    }
    frames.next[d] = t + 1;
    m.step(t);
    session.tick();
    const race = session.guard();
    if (race !== null) return race;
    dirty = true;
    if (table.findOrInsert(m.key(), 0) >= 0) {
      v = revisited(session);
      if (v !== null) return v;
      continue;
    }
    const next = judgeNewState(session, table);
    if (next === LEAF) continue;
    if (next !== null) return next;
    frames.ensure(depth);
    m.save(frames.data, depth * W);
    frames.next[depth] = 0;
    depth++;
    dirty = false;
  }
  return null;
}

function anyEnabled<Call, Result>(m: Machine<Call, Result>): boolean {
  for (let t = 0; t < m.n; t++) if (m.isEnabled(t)) return true;
  return false;
}

/**
 * Bounded: every schedule with at most `bound` preemptions (a switch away from a thread that
 * could still move), searched depth-first with the running thread tried first. States are cached
 * with the budget they were reached with: a state reached again with no more budget than before
 * has nothing new to show.
 */
export function bounded<Call, Result>(session: Session<Call, Result>, bound: number): Found<Call, Result> {

  const m = session.machine;
  const table = new StateTable(m.keyWidth + 1);
  const key = new Int32Array(m.keyWidth + 1);
  const frames = new Frames(m.snapshotWidth);
  const W = m.snapshotWidth;
  const n = m.n;
  // per frame: extra = last thread (−1 at start); budget kept in a parallel array
  let budgets = new Int32Array(64);
  const keyOf = (last: number): Int32Array => {
    key.set(m.key());
    key[m.keyWidth] = last;
    return key;
  };
  m.reset();
  let v = session.monitor();
  if (v !== null) return v;
  if (!anyEnabled(m)) return session.terminal();
  table.findOrInsert(keyOf(-1), bound);
  m.save(frames.data, 0);
  frames.next[0] = 0;
  frames.extra[0] = -1;
  budgets[0] = bound;
  let depth = 1;
  let dirty = false;
  while (depth > 0) {
    const d = depth - 1;
    if (dirty) m.restore(frames.data, d * W);
    dirty = false;
    const last = frames.extra[d] as number;
    const budget = budgets[d] as number;
    const lastRuns = last >= 0 && m.isEnabled(last);
    // choice order: the running thread first (index 0), then the others in index order
    let i = frames.next[d] as number;
    let t = -1;
    for (; i <= n; i++) {
      const cand = lastRuns ? (i === 0 ? last : i - 1 === last ? -1 : i - 1) : i < n ? i : -1;
      if (cand < 0 || !m.isEnabled(cand)) continue;
      if (lastRuns && cand !== last && budget === 0) continue;
      t = cand;
      break;
    }
    if (t < 0) {
      depth--;
      dirty = true;
      continue;
    }
    frames.next[d] = i + 1;
    const left = lastRuns && t !== last ? budget - 1 : budget;
    m.step(t);
    session.tick();
    const race = session.guard();
    if (race !== null) return race;
    dirty = true;
    const entry = table.findOrInsert(keyOf(t), left);
    if (entry >= 0) {
      if (table.value(entry) >= left) {
        v = revisited(session);
        if (v !== null) return v;
        continue;
      }
      table.setValue(entry, left);
    }
    const next = judgeNewState(session, table);
    if (next === LEAF) continue;
    if (next !== null) return next;
    frames.ensure(depth);
    if (depth >= budgets.length) {
      const b = new Int32Array(budgets.length * 2);
      b.set(budgets);
      budgets = b;
    }
    m.save(frames.data, depth * W);
    frames.next[depth] = 0;
    frames.extra[depth] = t;
    budgets[depth] = left;
    depth++;
    dirty = false;
  }
  return null;
}

/** Random: each step picks uniformly among enabled threads; one seeded PRNG for the whole run. */
export function randomWalk<Call, Result>(session: Session<Call, Result>, runs: number, seed: number): Found<Call, Result> {
  const random = mulberry32(seed);
  const choose = (enabled: readonly number[]): number => enabled[below(random, enabled.length)] as number;
  for (let r = 0; r < runs; r++) {
    const v = session.runOne(choose);
    if (v !== null) return v;
  }
  return null;
}

/** Estimates k, the steps of one execution, from a few unjudged random executions. */
export function probeSteps<Call, Result>(machine: Machine<Call, Result>, seed: number, maxSteps: number, probes = 16): number {
  const random = mulberry32(seed ^ 0x5bd1e995);
  let longest = 1;
  for (let p = 0; p < probes; p++) {
    machine.reset();
    const enabled: number[] = [];
    while (machine.steps < maxSteps) {
      enabled.length = 0;
      for (let t = 0; t < machine.n; t++) if (machine.isEnabled(t)) enabled.push(t);
      if (enabled.length === 0) break;
      machine.step(enabled[below(random, enabled.length)] as number);
    }
    longest = Math.max(longest, machine.steps);
  }
  return longest;
}

/**
 * PCT (Burckhardt et al. 2010): threads get random distinct priorities d … d+n−1; d−1 change
 * points are drawn from steps 1…k; the highest-priority enabled thread always runs, and just
 * before the i-th change point's step the thread about to run drops to priority d−i. Returns the
 * violation (if any) and the longest execution seen, so coverage can say whether k held.
 */
export function pct<Call, Result>(
  session: Session<Call, Result>,
  depth: number,
  runs: number,
  seed: number,
  k: number,
): { violation: Found<Call, Result>; longest: number; runs: number } {
  const n = session.machine.n;
  const random = mulberry32(seed);
  const priority = new Float64Array(n);
  const changeAt = new Map<number, number>();
  let longest = 0;
  const choose = (enabled: readonly number[], m: Machine<Call, Result>): number => {
    const pick = (): number => {
      let best = enabled[0] as number;
      for (const t of enabled) if ((priority[t] as number) > (priority[best] as number)) best = t;
      return best;
    };
    let t = pick();
    const change = changeAt.get(m.steps + 1);
    if (change !== undefined) {
      priority[t] = depth - change;
      t = pick();
    }
    return t;
  };
  for (let r = 0; r < runs; r++) {
    // a random permutation of d … d+n−1
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
    const v = session.runOne(choose);
    longest = Math.max(longest, session.machine.steps);
    if (v !== null) return { violation: v, longest, runs: r + 1 };
  }
  return { violation: null, longest, runs };
}
