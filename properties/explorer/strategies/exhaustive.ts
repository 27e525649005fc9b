/**
 * Exhaustive: depth-first search over global states with a visited set (memory + every thread's
 * node and wait rank, canonical under symmetry, + the judge's state). The DFS stack is the schedule
 * that reaches the current state, so any violation comes with a replayable token.
 */
import type { Machine } from "../machine.js";
import type { Session } from "../session.js";
import { StateTable } from "../stateTable.js";
import { Frames, LEAF, judgeInitial, judgeNewState, revisited, stepJudged, type Found } from "./common.js";

/** The next thread to try from frame d (from frames.next[d] on), or -1 when the frame is done. */
function nextChoice<Call, Result>(m: Machine<Call, Result>, frames: Frames, d: number): number {
  let t = frames.next[d] as number;
  while (t < m.n && (!m.isEnabled(t) || m.shadowed(t))) t++;
  if (t >= m.n) return -1;
  frames.next[d] = t + 1;
  return t;
}

export function exhaustive<Call, Result>(session: Session<Call, Result>): Found<Call, Result> {
  const m = session.machine;
  const table = new StateTable(m.keyWidth);
  const frames = new Frames(m.snapshotWidth);
  const W = m.snapshotWidth;
  const start = judgeInitial(session);
  table.findOrInsert(m.key(), 0);
  session.states = 1;
  if (start !== null) return start === LEAF ? null : start;
  m.save(frames.data, 0);
  frames.next[0] = 0;
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
    const race = stepJudged(session, t);
    if (race !== null) return race;
    dirty = true;
    if (table.findOrInsert(m.key(), 0) >= 0) {
      const v = revisited(session);
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
