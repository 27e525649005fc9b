/**
 * Thread-local positions, interned and memoised.
 *
 * A thread's generator is deterministic given (call index, carry, the values it observed in its
 * current call), so the engine never needs a generator's hidden state: it *interns* each such
 * position as a thread-local node and memoises the node's transition for each observed value. The
 * first time a (node, value) pair is taken the generator is resumed (or rebuilt by re-feeding the
 * observed values); after that a step is a table lookup.
 *
 * History keys: the observed values are a thread's whole history within its call, which tells
 * apart positions C would not (how a contended lock was acquired, what a notify returned). A
 * caller who knows the code may pass `historyKey`, the part of a history the call's future depends
 * on; histories with one key share a node (the first history seen is kept to rebuild generators).
 * The engine checks what it cheaply can — merged histories must have the same next access — and
 * the caller owns the rest; without a historyKey every history is its own node (always sound).
 *
 * Classes: interpreters whose programs are identical may share one node table (symmetry). That is
 * only sound if their code behaves the same whatever the interp id; the table verifies it on every
 * node it builds (each member's generator must yield the same access, return the same result and
 * carry) and throws `SymmetryBroken` the first time they differ.
 */
import { AccessOp, type Access, type Code } from "../../../impl/memory.js";
import type { Program, Subject } from "../../../impl/subject.js";
import { describeAccess } from "./trace.js";

/** Marks a node whose program is done. */
export const FINISHED = -1;

/** A call that returned during a transition. `accessless` calls made no access at all. */
export interface Completion {
  readonly callIndex: number;
  readonly result: unknown;
  readonly accessless: boolean;
}

/** Where a thread goes when its node's access returns a given value. */
export interface Edge {
  readonly to: number;
  readonly done: readonly Completion[] | null;
}

/** A thread-local position: (class, call index, carry, observed values) and its pending access. */
export interface TNode {
  readonly id: number;
  readonly cls: number;
  readonly callIndex: number;
  readonly carry: readonly number[];
  readonly observed: readonly number[];
  /** The node's identity within its call: observed values, with loop iterations folded (see `fold`). */
  readonly hkey: string;
  /** Per loop scope, the history key at the loop's entry (`loopEnter`); null if no loop entered. */
  readonly scopes: ReadonlyMap<number, string> | null;
  /** `AccessOp` of the pending access, or FINISHED. */
  readonly op: number;
  readonly addr: number;
  readonly access: Access | null;
  readonly edges: Map<number, Edge>;
  /** The node's call with carried references resolved, once computed (only for single-member classes). */
  resolved?: unknown;
  /** Live generators (one per class member) positioned at this node, if nobody consumed them. */
  gens: Code<unknown>[] | null;
}

/** Thrown when interpreters assumed interchangeable turn out to behave differently. */
export class SymmetryBroken extends Error {}

/** The part of a call's observed values its future depends on (see `historyKey` above). */
export type HistoryKey<Call> = (call: Call, observed: readonly number[]) => string;

export const sameAccess = (x: Access, y: Access): boolean => x.op === y.op && x.addr === y.addr && x.a === y.a && x.b === y.b;

type Step = IteratorResult<Access, unknown>;

/**
 * Folds a loop checkpoint into a history key: `loopEnter` remembers the key at the loop's entry;
 * `loopHead(scope, v)` replaces everything observed since then by `v` (the code's promise, see
 * impl/memory.ts), so going round a wait loop returns to the same thread-local node.
 */
function fold(
  hkey: string,
  scopes: ReadonlyMap<number, string> | null,
  cp: Access,
): { hkey: string; scopes: ReadonlyMap<number, string> | null } {
  if (cp.b === 1) return { hkey, scopes: new Map(scopes ?? []).set(cp.addr, hkey) };
  const base = scopes?.get(cp.addr);
  if (base === undefined) return { hkey: `${hkey}|@${cp.addr}:${cp.a}`, scopes: new Map(scopes ?? []).set(cp.addr, hkey) };
  return { hkey: `${base}|@${cp.addr}:${cp.a}`, scopes };
}

/** Resumes a generator past any loop checkpoints it yields (they are no-ops returning 0). */
function skipCheckpoints(g: Code<unknown>, r: Step): Step {
  let step = r;
  while (!step.done && step.value.op === AccessOp.checkpoint) step = g.next(0);
  return step;
}

/** A class's generators between two scheduling points, while `settle` completes calls. */
interface Settling {
  readonly cls: number;
  readonly members: readonly number[];
  callIndex: number;
  carry: readonly number[];
  observed: readonly number[];
  readonly gens: (Code<unknown> | null)[];
  readonly steps: (Step | null)[];
  readonly done: Completion[];
  accessless: boolean;
  hkey: string;
  scopes: ReadonlyMap<number, string> | null;
}

export class ThreadTable<Call, Result> {
  private readonly nodes: TNode[] = [];
  private readonly intern = new Map<string, number>();

  constructor(
    private readonly subject: Subject<Call, Result>,
    private readonly programs: readonly Program<Call>[],
    readonly classMembers: readonly (readonly number[])[],
    private readonly historyKey?: HistoryKey<Call>,
  ) {}

  node(id: number): TNode {
    return this.nodes[id] as TNode;
  }

  get size(): number {
    return this.nodes.length;
  }

  /** The edge into a class's first node: calls that make no access complete on the way. */
  startEdge(cls: number): Edge {
    const members = this.classMembers[cls] as readonly number[];
    return this.settle({
      cls,
      members,
      callIndex: 0,
      carry: [],
      observed: [],
      gens: members.map(() => null),
      steps: members.map(() => null),
      done: [],
      accessless: true,
      hkey: "",
      scopes: null,
    });
  }

  /** The edge of node nd for value: generator work once per (node, value), a lookup afterwards. */
  edge(nd: TNode, value: number): Edge {
    const known = nd.edges.get(value);
    if (known !== undefined) return known;
    const members = this.classMembers[nd.cls] as readonly number[];
    const gens = nd.gens ?? members.map((t) => this.rebuild(t, nd));
    nd.gens = null;
    const e = this.settle({
      cls: nd.cls,
      members,
      callIndex: nd.callIndex,
      carry: nd.carry,
      observed: [...nd.observed, value],
      gens,
      steps: gens.map((g) => g.next(value)),
      done: [],
      accessless: false,
      hkey: `${nd.hkey},${value}`,
      scopes: nd.scopes,
    });
    nd.edges.set(value, e);
    return e;
  }

  private interpOf(t: number): number {
    return (this.programs[t] as Program<Call>).interp;
  }

  /** A fresh generator for member t positioned at node nd (rebuilt by re-feeding observed values). */
  private rebuild(t: number, nd: TNode): Code<unknown> {
    const calls = (this.programs[t] as Program<Call>).calls;
    const g = this.subject.start(this.interpOf(t), calls[nd.callIndex] as Call, nd.carry) as Code<unknown>;
    skipCheckpoints(g, g.next());
    for (const v of nd.observed) skipCheckpoints(g, g.next(v));
    return g;
  }

  /**
   * From generators that just yielded (or returned), completes every call that returned, starts
   * the next ones, and interns the node where the thread waits for its next access. Checks that
   * all class members agree.
   */
  private settle(s: Settling): Edge {
    for (;;) {
      if (s.steps[0] === null && !this.startCall(s)) break;
      this.foldCheckpoints(s);
      const first = s.steps[0] as Step;
      this.agree(s, first);
      if (!first.done) break;
      this.completeCall(s, first.value);
    }
    return { to: this.internNode(s), done: s.done.length === 0 ? null : s.done };
  }

  /** Starts call `s.callIndex` in every member; false when the program is over. */
  private startCall(s: Settling): boolean {
    const calls = (this.programs[s.members[0] as number] as Program<Call>).calls;
    if (s.callIndex >= calls.length) return false;
    s.members.forEach((t, i) => {
      const g = this.subject.start(this.interpOf(t), calls[s.callIndex] as Call, s.carry) as Code<unknown>;
      s.gens[i] = g;
      s.steps[i] = g.next();
    });
    return true;
  }

  /** Loop checkpoints are not scheduling points: folds them into the history key and resumes. */
  private foldCheckpoints(s: Settling): void {
    for (;;) {
      const head = s.steps[0] as Step;
      if (head.done || head.value.op !== AccessOp.checkpoint) return;
      for (let i = 1; i < s.members.length; i++) {
        const other = s.steps[i] as Step;
        if (other.done || !sameAccess(head.value, other.value)) throw new SymmetryBroken(this.asymmetry(s, i, head, other));
      }
      ({ hkey: s.hkey, scopes: s.scopes } = fold(s.hkey, s.scopes, head.value));
      for (let i = 0; i < s.members.length; i++) s.steps[i] = (s.gens[i] as Code<unknown>).next(0);
    }
  }

  /** Every class member must have yielded the same access (or returned the same result). */
  private agree(s: Settling, first: Step): void {
    for (let i = 1; i < s.members.length; i++) {
      const other = s.steps[i] as Step;
      const same = first.done ? other.done && JSON.stringify(other.value) === JSON.stringify(first.value) : !other.done && sameAccess(first.value, other.value);
      if (!same) throw new SymmetryBroken(this.asymmetry(s, i, first, other));
    }
  }

  /** The call returned `result`: records it, computes the carry, moves on to the next call. */
  private completeCall(s: Settling, result: unknown): void {
    const calls = (this.programs[s.members[0] as number] as Program<Call>).calls;
    const call = calls[s.callIndex] as Call;
    const carryOf = (t: number): readonly number[] => (this.subject.after ? this.subject.after(this.interpOf(t), call, result as Result, s.carry) : s.carry);
    const nextCarry = carryOf(s.members[0] as number);
    for (const t of s.members.slice(1)) {
      const c = carryOf(t);
      if (c.length !== nextCarry.length || c.some((x, j) => x !== nextCarry[j])) {
        throw new SymmetryBroken(`interp ${this.interpOf(s.members[0] as number)} and interp ${this.interpOf(t)} leave call ${s.callIndex} with different carries [${nextCarry.join(",")}] and [${c.join(",")}]`);
      }
    }
    s.done.push({ callIndex: s.callIndex, result, accessless: s.accessless });
    s.accessless = true;
    s.carry = nextCarry;
    s.callIndex++;
    s.observed = [];
    s.hkey = "";
    s.scopes = null;
    s.steps.fill(null);
  }

  /** The id of the node where the class waits for its next access (interned by its identity). */
  private internNode(s: Settling): number {
    const calls = (this.programs[s.members[0] as number] as Program<Call>).calls;
    const first = s.steps[0] ?? null;
    const access = first === null || first.done ? null : first.value;
    const history = this.historyKey !== undefined && access !== null ? this.historyKey(calls[s.callIndex] as Call, s.observed) : s.hkey;
    const key = `${s.cls}|${s.callIndex}|${s.carry.join(",")}|${history}`;
    const id = this.intern.get(key);
    if (id !== undefined) {
      if (access !== null) this.checkMerge(this.node(id), s, access);
      return id;
    }
    const fresh: TNode = {
      id: this.nodes.length,
      cls: s.cls,
      callIndex: s.callIndex,
      carry: s.carry,
      observed: s.observed,
      hkey: s.hkey,
      scopes: s.scopes,
      op: access === null ? FINISHED : access.op,
      addr: access === null ? -1 : access.addr,
      access,
      edges: new Map(),
      gens: access === null ? null : (s.gens as Code<unknown>[]),
    };
    this.intern.set(key, fresh.id);
    this.nodes.push(fresh);
    return fresh.id;
  }

  /** Histories merged by a historyKey must have the same next access. */
  private checkMerge(known: TNode, s: Settling, access: Access): void {
    const expected = known.access as Access;
    if (sameAccess(expected, access)) return;
    throw new Error(
      `historyKey merges histories with different next accesses at call ${s.callIndex}: [${known.observed.join(",")}] → ${describeAccess(expected)} ` +
        `but [${s.observed.join(",")}] → ${describeAccess(access)}; the key drops a value the code still uses`,
    );
  }

  private asymmetry(s: Settling, j: number, a: Step, b: Step): string {
    const show = (r: Step): string => (r.done ? `returns ${JSON.stringify(r.value)}` : describeAccess(r.value));
    return (
      `interp ${this.interpOf(s.members[0] as number)} and interp ${this.interpOf(s.members[j] as number)} run identical programs ` +
      `but differ at call ${s.callIndex}, access ${s.observed.length}: ${show(a)} vs ${show(b)}`
    );
  }
}
