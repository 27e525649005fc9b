/**
 * Exhaustive: depth-first search over global states with a visited set (memory + every thread's
 * node and wait rank, canonical under symmetry, + the judge's state). The DFS stack is the schedule
 * that reaches the current state, so any violation comes with a replayable token.
 *
 * Sleep sets (Godefroid), on by default: after a thread's step from a state has been explored, that
 * step is put to sleep for the state's later choices and stays asleep down a path while the steps
 * taken are independent of it (engine/footprint.ts) — the states it would reach are reached by the
 * other order. Sleep sets never drop a state, only transitions. With a visited set, each stored
 * state keeps the sleep set it was entered with; reaching it again with a thread awake that was
 * asleep then explores that thread's step now and stores the intersection (the classic fix for
 * sleep sets and state caching — a cycle back onto the stack is handled the same way). Sleep sets
 * are kept in the canonical state's thread positions, so they are compatible with symmetry.
 */
import { Footprint, FootprintStore } from "../engine/footprint.js";
import type { Machine } from "../machine.js";
import type { Session } from "../session.js";
import { HashCompactTable, StateTable, type VisitedSet } from "../stateTable.js";
import type { StorageOption } from "../types.js";
import { Frames, LEAF, judgeInitial, judgeNewState, revisited, stepJudged, type Found } from "./common.js";

const ALL = -1;

/** The search's stack: snapshots, per frame the next choice, the sleep set and the threads allowed. */
class Stack {
  readonly frames: Frames;
  readonly fps: FootprintStore;
  depth = 0;
  constructor(readonly m: Machine<unknown, unknown>) {
    this.frames = new Frames(m.snapshotWidth);
    this.fps = new FootprintStore(m.words, 64 * m.n);
  }
  /** Pushes the machine's state with sleep set `sleep` (footprints from frame `from`) and the threads allowed to move. */
  push(sleep: number, allowed: number, from: number): void {
    const d = this.depth;
    this.frames.ensure(d);
    this.fps.ensure((d + 1) * this.m.n);
    this.m.save(this.frames.data, d * this.m.snapshotWidth);
    this.frames.next[d] = 0;
    this.frames.extra[d] = sleep;
    this.frames.budget[d] = allowed;
    for (let u = 0; u < this.m.n; u++) if ((sleep & (1 << u)) !== 0) this.fps.copy(from * this.m.n + u, d * this.m.n + u);
    this.depth = d + 1;
  }
  /** The next thread to try from frame d: enabled, awake, allowed and not shadowed; -1 when done. */
  nextChoice(d: number): number {
    const m = this.m;
    const skip = (this.frames.extra[d] as number) | ~(this.frames.budget[d] as number);
    let t = this.frames.next[d] as number;
    while (t < m.n && ((skip & (1 << t)) !== 0 || !m.isEnabled(t) || m.shadowed(t))) t++;
    if (t >= m.n) return -1;
    this.frames.next[d] = t + 1;
    return t;
  }
  /** After t's step from frame d: the child's sleep set; t joins frame d's sleep set. */
  sleepAfter(d: number, t: number, fp: Footprint | null): number {
    if (fp === null) return 0;
    const n = this.m.n;
    const sleep = this.frames.extra[d] as number;
    this.fps.put(d * n + t, fp);
    let child = 0;
    for (let u = 0; u < n; u++) if ((sleep & (1 << u)) !== 0 && !this.fps.dependent(d * n + u, fp)) child |= 1 << u;
    this.frames.extra[d] = sleep | (1 << t);
    return child;
  }
}

/** A thread mask mapped through a thread permutation (concrete → canonical positions, or back with `inverse`). */
function mapMask(mask: number, perm: Int32Array, inverse: boolean): number {
  let out = 0;
  for (let t = 0; t < perm.length; t++) {
    const c = perm[t] as number;
    if (inverse ? (mask & (1 << c)) !== 0 : (mask & (1 << t)) !== 0) out |= 1 << (inverse ? t : c);
  }
  return out;
}

export function exhaustive<Call, Result>(session: Session<Call, Result>, storage: StorageOption = "exact", sleepSets = false): Found<Call, Result> {
  const m = session.machine;
  const table = storage === "exact" ? new StateTable(m.keyWidth) : new HashCompactTable(m.keyWidth);
  session.visited = table;
  m.footprint = sleepSets ? new Footprint(m.words, m.eventsCommute) : null;
  try {
    return search(session, table);
  } finally {
    m.footprint = null;
  }
}

function search<Call, Result>(session: Session<Call, Result>, table: VisitedSet): Found<Call, Result> {
  const m = session.machine;
  const stack = new Stack(m as Machine<unknown, unknown>);
  const start = judgeInitial(session);
  table.findOrInsert(m.key(), 0);
  session.states = 1;
  if (start !== null) return start === LEAF ? null : start;
  stack.push(0, ALL, 0);
  let dirty = false;
  while (stack.depth > 0) {
    const d = stack.depth - 1;
    if (dirty) m.restore(stack.frames.data, d * m.snapshotWidth);
    dirty = false;
    const t = stack.nextChoice(d);
    if (t < 0) {
      stack.depth--;
      dirty = true;
      continue;
    }
    const race = stepJudged(session, t);
    if (race !== null) return race;
    dirty = true;
    const sleep = stack.sleepAfter(d, t, m.footprint);
    const key = m.key(); // also sets m.canonicalThread
    const canonical = mapMask(sleep, m.canonicalThread, false);
    const entry = table.findOrInsert(key, canonical);
    if (entry >= 0) {
      const v = revisited(session);
      if (v !== null) return v;
      const missing = table.value(entry) & ~canonical;
      if (missing === 0) continue;
      table.setValue(entry, table.value(entry) & canonical);
      stack.push(sleep, mapMask(missing, m.canonicalThread, true), d);
      dirty = false;
      continue;
    }
    const next = judgeNewState(session, table);
    if (next === LEAF) continue;
    if (next !== null) return next;
    stack.push(sleep, ALL, d);
    dirty = false;
  }
  return null;
}
