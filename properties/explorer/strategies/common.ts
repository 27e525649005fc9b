/**
 * What the stateful strategies share: the snapshot stack, the visited-set limit, and the judgement
 * of a state reached for the first time or again.
 */
import type { Machine } from "../machine.js";
import { LimitReached, type Session } from "../session.js";
import { doubled, type VisitedSet } from "../stateTable.js";
import type { FoundViolation } from "../types.js";

export type Found<Call, Result> = FoundViolation<Call, Result> | null;

/** A growable stack of machine snapshots with two ints per frame of search bookkeeping. */
export class Frames {
  data: Int32Array;
  next: Int32Array;
  extra: Int32Array;
  budget: Int32Array;
  constructor(readonly width: number) {
    this.data = new Int32Array(width * 64);
    this.next = new Int32Array(64);
    this.extra = new Int32Array(64);
    this.budget = new Int32Array(64);
  }
  ensure(depth: number): void {
    if (depth < this.next.length) return;
    this.data = doubled(this.data);
    this.next = doubled(this.next);
    this.extra = doubled(this.extra);
    this.budget = doubled(this.budget);
  }
}

export function checkStates<Call, Result>(session: Session<Call, Result>, table: VisitedSet): void {
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
export function revisited<Call, Result>(session: Session<Call, Result>): Found<Call, Result> {
  return session.machine.allFinished() ? session.terminal() : null;
}

/** What `judgeNewState` returns for a state with nothing below it to explore. */
export const LEAF = "leaf";

/**
 * Judges a state the search reaches for the first time — its limits, the monitor, the end of an
 * execution, the step bound — shared by the stateful strategies. Returns a violation, LEAF when
 * nothing below it needs exploring, or null when the search should descend into it.
 */
export function judgeNewState<Call, Result>(session: Session<Call, Result>, table: VisitedSet): Found<Call, Result> | typeof LEAF {
  const m = session.machine;
  session.states = table.size;
  checkStates(session, table);
  const v = session.monitor();
  if (v !== null) return v;
  if (!anyEnabled(m)) return session.terminal() ?? LEAF;
  if (m.steps >= session.limits.maxSteps) return session.livelock();
  return null;
}

/**
 * The start of a stateful search: judges the initial state. Returns a violation, LEAF when the
 * initial state has nothing to explore, or null to search from it.
 */
export function judgeInitial<Call, Result>(session: Session<Call, Result>): Found<Call, Result> | typeof LEAF {
  const m = session.machine;
  m.reset();
  const v = session.monitor();
  if (v !== null) return v;
  if (!anyEnabled(m)) return session.terminal() ?? LEAF;
  return null;
}

export function anyEnabled<Call, Result>(m: Machine<Call, Result>): boolean {
  for (let t = 0; t < m.n; t++) if (m.isEnabled(t)) return true;
  return false;
}

/** Steps thread t and judges the step itself (a discipline break, a judge rejection). */
export function stepJudged<Call, Result>(session: Session<Call, Result>, t: number): Found<Call, Result> {
  session.machine.step(t);
  session.tick();
  return session.guard();
}
