/**
 * How much a state-reducing partial-order reduction could gain on a configuration: an upper bound,
 * measured rather than argued (issue 16; README "Persistent sets: measured, not built").
 *
 * A singleton ample (persistent) set at a state is one thread whose next step is invisible to the
 * judge (no invocation, no response) and independent of every step any other unfinished thread can
 * still take — then only that thread needs exploring there. A sound implementation needs each
 * thread's *future footprint* (the words its remaining program may read or write), which a
 * generator does not reveal; it would have to over-approximate it. This module measures the best
 * such an implementation could do: it first searches the whole state space and records, per
 * thread-local node, what the node's step read and wrote (every folded access included); a thread's
 * future is then the union over the nodes reachable from its node in the memoised thread graph —
 * exact for this state space, smaller than any sound over-approximation. A second search explores
 * only the ample thread wherever one exists, without a cycle proviso (which could only add states).
 * Both searches are plain stateful DFS (no sleep sets) with the exhaustive strategy's symmetry and
 * quiet words, so their state counts compare with each other, not with the strategy's.
 */
import type { Program, Subject } from "../../impl/subject.js";
import { Footprint } from "./engine/footprint.js";
import { QuietnessBroken } from "./engine/quietWords.js";
import { SymmetryBroken, type Machine } from "./machine.js";
import { quietWords } from "./quietProbe.js";
import { Session } from "./session.js";
import { StateTable } from "./stateTable.js";
import { resolveLimits, type Hooks } from "./types.js";

export interface AmpleBound {
  /** States of the full search. */
  readonly states: number;
  /** Of those, states where two or more threads can move (where any reduction could act). */
  readonly branching: number;
  /** Of those, states with a singleton ample set under the exact futures. */
  readonly singleton: number;
  /** States of the search that explores only the ample thread where there is one. */
  readonly reducedStates: number;
  /** Whether that search reached the same terminal states (memory and every call's result) as the full one: the reduction's own check. */
  readonly terminalsKept: boolean;
}

export interface AmpleBoundOptions {
  /** Bound on each search's states. */
  readonly maxStates?: number;
  /** A deliberately broken variant for the tests: any invisible step is ample, whatever the others' futures. */
  readonly ignoreFutures?: boolean;
}

/** Words read and written, as bit sets over memory. */
interface Touch {
  readonly reads: Uint32Array;
  readonly writes: Uint32Array;
}

/** Measures the bound for `programs` on `subject` under `hooks` (an observer: the online judge). */
export function ampleBound<Call, Result>(subject: Subject<Call, Result>, programs: readonly Program<Call>[], hooks: Hooks<Call, Result>, options: AmpleBoundOptions = {}): AmpleBound {
  const maxStates = options.maxStates ?? 5_000_000;
  const limits = resolveLimits({ maxStates });
  const session = (symmetric: boolean): Session<Call, Result> => new Session(subject, programs, hooks, limits, symmetric, undefined);
  const quiet = quietWords(session(false));
  let symmetric = true;
  for (;;) {
    try {
      const m = session(symmetric).machine;
      m.assumeQuiet(quiet);
      return measure(m, maxStates, options.ignoreFutures === true);
    } catch (e) {
      // As the exhaustive strategy does: a broken assumption is dropped and the search redone.
      if (e instanceof SymmetryBroken) symmetric = false;
      else if (e instanceof QuietnessBroken) quiet[e.addr] = (quiet[e.addr] as number) & ~e.flag;
      else throw e;
    }
  }
}

function measure<Call, Result>(m: Machine<Call, Result>, maxStates: number, ignoreFutures: boolean): AmpleBound {
  m.footprint = new Footprint(m.words, m.eventsCommute);
  const seen = new Map<number, Touch>();
  const full = search(m, maxStates, seen, null);
  const futures = new Futures(m as Machine<unknown, unknown>, seen, ignoreFutures);
  const counted = search(m, maxStates, seen, futures, false);
  const reduced = search(m, maxStates, seen, futures, true);
  const terminalsKept = full.terminals.size === reduced.terminals.size && [...full.terminals].every((t) => reduced.terminals.has(t));
  return { states: full.states, branching: counted.branching, singleton: counted.singleton, reducedStates: reduced.states, terminalsKept };
}

/** The future footprint of each thread-local node: what the steps of every node reachable from it touched. */
class Futures {
  private readonly memo = new Map<number, Touch>();
  constructor(
    private readonly m: Machine<unknown, unknown>,
    private readonly seen: ReadonlyMap<number, Touch>,
    private readonly ignored: boolean,
  ) {}

  of(id: number): Touch {
    if (this.ignored) return blank(this.m.words);
    const known = this.memo.get(id);
    if (known !== undefined) return known;
    const out = blank(this.m.words);
    const reached = new Set([id]);
    const todo = [id];
    for (let x = todo.pop(); x !== undefined; x = todo.pop()) {
      const t = this.seen.get(x);
      if (t !== undefined) union(out, t);
      for (const y of this.m.successors(x)) if (!reached.has(y)) todo.push(y), reached.add(y);
    }
    this.memo.set(id, out);
    return out;
  }
}

function blank(words: number): Touch {
  return { reads: new Uint32Array((words + 31) >>> 5), writes: new Uint32Array((words + 31) >>> 5) };
}

function union(into: Touch, t: Touch): void {
  for (let i = 0; i < into.reads.length; i++) {
    into.reads[i] = (into.reads[i] as number) | (t.reads[i] as number);
    into.writes[i] = (into.writes[i] as number) | (t.writes[i] as number);
  }
}

/** Whether a step's footprint and a future are dependent: one writes a word the other touches. */
function dependent(f: Footprint, future: Touch): boolean {
  for (let i = 0; i < f.reads.length; i++) {
    if (((f.writes[i] as number) & ((future.reads[i] as number) | (future.writes[i] as number))) !== 0) return true;
    if (((future.writes[i] as number) & (f.reads[i] as number)) !== 0) return true;
  }
  return false;
}

/**
 * Stateful DFS from the initial state (recursive, so that every restore goes back to an ancestor and
 * the history log stays a prefix). Without `futures`, records each node's step footprint in `seen`;
 * with them, counts the states with a singleton ample set, and with `prune` explores only that
 * thread there. Collects the canonical keys of the terminal states.
 */
function search<Call, Result>(m: Machine<Call, Result>, maxStates: number, seen: Map<number, Touch>, futures: Futures | null, prune = false): { states: number; branching: number; singleton: number; terminals: Set<string> } {
  const table = new StateTable(m.keyWidth);
  const out = { states: 0, branching: 0, singleton: 0, terminals: new Set<string>() };
  const visit = (here: Int32Array): void => {
    m.restore(here, 0);
    const enabled: number[] = [];
    for (let t = 0; t < m.n; t++) if (m.isEnabled(t)) enabled.push(t);
    if (enabled.length === 0) out.terminals.add(m.key().join(","));
    if (enabled.length > 1) out.branching++;
    const ample = futures === null || enabled.length < 2 ? -1 : ampleThread(m, here, enabled, futures);
    if (ample >= 0) out.singleton++;
    for (const t of prune && ample >= 0 ? [ample] : enabled) {
      m.restore(here, 0);
      const id = m.node[t] as number;
      m.step(t);
      m.takeGuardViolation();
      m.takeJudgeViolation();
      if (futures === null) record(seen, id, m.footprint as Footprint, m.words);
      if (table.findOrInsert(m.key(), 0) >= 0) continue;
      if (table.size > maxStates) throw new Error(`ampleBound: more than ${maxStates} states`);
      visit(snapshot(m));
    }
  };
  m.reset();
  table.findOrInsert(m.key(), 0);
  visit(snapshot(m));
  out.states = table.size;
  return out;
}

/** The first enabled thread whose step from `here` is invisible and independent of every other unfinished thread's future, or -1. */
function ampleThread<Call, Result>(m: Machine<Call, Result>, here: Int32Array, enabled: readonly number[], futures: Futures): number {
  for (const t of enabled) {
    m.restore(here, 0);
    const others: number[] = [];
    for (let u = 0; u < m.n; u++) if (u !== t && !m.isFinished(u)) others.push(m.node[u] as number);
    m.step(t);
    m.takeGuardViolation();
    m.takeJudgeViolation();
    const f = m.footprint as Footprint;
    if (f.events === 0 && others.every((id) => !dependent(f, futures.of(id)))) return t;
  }
  return -1;
}

function record(seen: Map<number, Touch>, id: number, f: Footprint, words: number): void {
  let t = seen.get(id);
  if (t === undefined) seen.set(id, (t = blank(words)));
  union(t, f);
}

function snapshot<Call, Result>(m: Machine<Call, Result>): Int32Array {
  const s = new Int32Array(m.snapshotWidth);
  m.save(s, 0);
  return s;
}
