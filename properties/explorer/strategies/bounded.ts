/**
 * Bounded: every schedule with at most `bound` preemptions (a switch away from a thread that
 * could still move), searched depth-first with the running thread tried first. States are cached
 * with the budget they were reached with: a state reached again with no more budget than before
 * has nothing new to show.
 */
import type { Machine } from "../machine.js";
import type { Session } from "../session.js";
import { StateTable } from "../stateTable.js";
import { Frames, LEAF, judgeInitial, judgeNewState, revisited, stepJudged, type Found } from "./common.js";

/**
 * The next choice of frame d: the running thread first (choice index 0), then the others in index
 * order; a switch away from a running thread needs budget. Returns the thread, or -1 when done.
 */
function nextChoice<Call, Result>(m: Machine<Call, Result>, frames: Frames, d: number): number {
  const last = frames.extra[d] as number;
  const budget = frames.budget[d] as number;
  const lastRuns = last >= 0 && m.isEnabled(last);
  for (let i = frames.next[d] as number; i <= m.n; i++) {
    const cand = lastRuns ? (i === 0 ? last : i - 1 === last ? -1 : i - 1) : i < m.n ? i : -1;
    if (cand < 0 || !m.isEnabled(cand)) continue;
    if (lastRuns && cand !== last && budget === 0) continue;
    frames.next[d] = i + 1;
    return cand;
  }
  return -1;
}

/** The budget left after frame d chooses t. */
function budgetAfter<Call, Result>(m: Machine<Call, Result>, frames: Frames, d: number, t: number): number {
  const last = frames.extra[d] as number;
  const budget = frames.budget[d] as number;
  return last >= 0 && m.isEnabled(last) && t !== last ? budget - 1 : budget;
}

export function bounded<Call, Result>(session: Session<Call, Result>, bound: number): Found<Call, Result> {
  const m = session.machine;
  const table = new StateTable(m.keyWidth + 1);
  const key = new Int32Array(m.keyWidth + 1);
  const frames = new Frames(m.snapshotWidth);
  const W = m.snapshotWidth;
  // the state's key plus the thread that moved last (preemptions depend on it)
  const keyOf = (last: number): Int32Array => {
    key.set(m.key());
    key[m.keyWidth] = last;
    return key;
  };
  const start = judgeInitial(session);
  if (start !== null) return start === LEAF ? null : start;
  table.findOrInsert(keyOf(-1), bound);
  m.save(frames.data, 0);
  frames.next[0] = 0;
  frames.extra[0] = -1;
  frames.budget[0] = bound;
  let depth = 1;
  let dirty = false;
  while (depth > 0) {
    const d = depth - 1;
    if (dirty) m.restore(frames.data, d * W);
    dirty = false;
    const t = nextChoice(m, frames, d);
    if (t < 0) {
      depth--;
      dirty = true;
      continue;
    }
    const left = budgetAfter(m, frames, d, t);
    const race = stepJudged(session, t);
    if (race !== null) return race;
    dirty = true;
    const entry = table.findOrInsert(keyOf(t), left);
    if (entry >= 0) {
      if (table.value(entry) >= left) {
        const v = revisited(session);
        if (v !== null) return v;
        continue;
      }
      table.setValue(entry, left);
    }
    const next = judgeNewState(session, table);
    if (next === LEAF) continue;
    if (next !== null) return next;
    frames.ensure(depth);
    m.save(frames.data, depth * W);
    frames.next[depth] = 0;
    frames.extra[depth] = t;
    frames.budget[depth] = left;
    depth++;
    dirty = false;
  }
  return null;
}
