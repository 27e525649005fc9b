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
 * Each thread has its own nodes. Symmetry (engine/symmetry.ts) relates the nodes of interchangeable
 * threads through `walk`: the node another thread reaches when fed the same (renamed) values.
 */
import { AccessOp, type Access, type Code } from "../../../impl/memory.js";
import { threadOf, type Program, type Subject } from "../../../impl/subject.js";
import { describeThread, interpOf } from "../../../model/thread.js";
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
  /** Under symmetry: whether its renamings were verified (engine/symmetry.ts). */
  verified: boolean;
}

/** A thread-local position: (thread, call index, carry, observed values) and its pending access. */
export interface TNode {
  readonly id: number;
  readonly thread: number;
  readonly callIndex: number;
  readonly carry: readonly number[];
  readonly observed: readonly number[];
  /** Per observed value, the kind of interpreter identity it carries (engine/symmetry.ts `IdKind`). */
  readonly kinds: readonly number[];
  /** The node's identity within its call: observed values, with loop iterations folded (see `fold`). */
  readonly hkey: string;
  /** Per loop scope, the history key at the loop's entry (`loopEnter`); null if no loop entered. */
  readonly scopes: ReadonlyMap<number, string> | null;
  /** `AccessOp` of the pending access, or FINISHED. */
  readonly op: number;
  readonly addr: number;
  readonly access: Access | null;
  readonly edges: Map<number, Edge>;
  /** The node's call with carried references resolved, once computed. */
  resolved?: unknown;
  /** A live generator positioned at this node, if nobody consumed it. */
  gen: Code<unknown> | null;
  /** Under symmetry: per permutation, the node this one maps to (-1: not computed yet). */
  images: Int32Array | null;
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

/** A thread's generator between two scheduling points, while `settle` completes calls. */
interface Settling {
  readonly thread: number;
  callIndex: number;
  carry: readonly number[];
  observed: readonly number[];
  kinds: readonly number[];
  gen: Code<unknown> | null;
  step: Step | null;
  readonly done: Completion[];
  accessless: boolean;
  hkey: string;
  scopes: ReadonlyMap<number, string> | null;
}

export class ThreadTable<Call, Result> {
  private readonly nodes: TNode[] = [];
  private readonly intern = new Map<string, number>();
  /** Node at the start of (thread, call index, carry), for `walk`. */
  private readonly starts = new Map<string, number>();

  constructor(
    private readonly subject: Subject<Call, Result>,
    private readonly programs: readonly Program<Call>[],
    private readonly historyKey: HistoryKey<Call> | undefined,
    /** The kind of interpreter identity an access's result carries (0: none). */
    private readonly resultKind: (access: Access) => number,
  ) {}

  node(id: number): TNode {
    return this.nodes[id] as TNode;
  }

  get size(): number {
    return this.nodes.length;
  }

  /** The edge into thread t's first node from call `callIndex` with `carry` (calls that make no access complete on the way). */
  startEdge(t: number, callIndex = 0, carry: readonly number[] = []): Edge {
    return this.settle({ thread: t, callIndex, carry, observed: [], kinds: [], gen: null, step: null, done: [], accessless: true, hkey: "", scopes: null });
  }

  /** The edge of node nd for value: generator work once per (node, value), a lookup afterwards. */
  edge(nd: TNode, value: number): Edge {
    const known = nd.edges.get(value);
    if (known !== undefined) return known;
    const gen = nd.gen ?? this.rebuild(nd);
    nd.gen = null;
    const e = this.settle({
      thread: nd.thread,
      callIndex: nd.callIndex,
      carry: nd.carry,
      observed: [...nd.observed, value],
      kinds: [...nd.kinds, this.resultKind(nd.access as Access)],
      gen,
      step: gen.next(value),
      done: [],
      accessless: false,
      hkey: `${nd.hkey},${value}`,
      scopes: nd.scopes,
    });
    nd.edges.set(value, e);
    return e;
  }

  /**
   * The node thread t reaches from the start of call `callIndex` with `carry` when its accesses
   * return `values` in turn — how symmetry finds the node of another thread that corresponds to
   * one of this thread's (its values renamed). Memoised through the edges it takes.
   */
  walk(t: number, callIndex: number, carry: readonly number[], values: readonly number[]): number {
    const startKey = `${t}|${callIndex}|${carry.join(",")}`;
    let id = this.starts.get(startKey);
    if (id === undefined) {
      id = this.startEdge(t, callIndex, carry).to;
      this.starts.set(startKey, id);
    }
    for (const v of values) {
      const nd = this.node(id);
      if (nd.op === FINISHED || nd.callIndex !== callIndex) return id;
      const e = this.edge(nd, v);
      if (e.done !== null) return e.to;
      id = e.to;
    }
    return id;
  }

  /** The id of the thread running program t (D18): what the subject is told. */
  private threadIdOf(t: number): number {
    return threadOf(this.programs[t] as Program<Call>);
  }

  /** A fresh generator positioned at node nd (rebuilt by re-feeding observed values). */
  private rebuild(nd: TNode): Code<unknown> {
    const calls = (this.programs[nd.thread] as Program<Call>).calls;
    const g = this.subject.start(this.threadIdOf(nd.thread), calls[nd.callIndex] as Call, nd.carry) as Code<unknown>;
    skipCheckpoints(g, g.next());
    for (const v of nd.observed) skipCheckpoints(g, g.next(v));
    return g;
  }

  /**
   * From a generator that just yielded (or returned), completes every call that returned, starts
   * the next ones, and interns the node where the thread waits for its next access.
   */
  private settle(s: Settling): Edge {
    for (;;) {
      if (s.step === null && !this.startCall(s)) break;
      this.foldCheckpoints(s);
      const step = s.step as Step;
      if (!step.done) break;
      this.completeCall(s, step.value);
    }
    return { to: this.internNode(s), done: s.done.length === 0 ? null : s.done, verified: false };
  }

  /** Starts call `s.callIndex`; false when the program is over. */
  private startCall(s: Settling): boolean {
    const calls = (this.programs[s.thread] as Program<Call>).calls;
    if (s.callIndex >= calls.length) return false;
    s.gen = this.subject.start(this.threadIdOf(s.thread), calls[s.callIndex] as Call, s.carry) as Code<unknown>;
    s.step = s.gen.next();
    return true;
  }

  /** Loop checkpoints are not scheduling points: folds them into the history key and resumes. */
  private foldCheckpoints(s: Settling): void {
    for (;;) {
      const step = s.step as Step;
      if (step.done || step.value.op !== AccessOp.checkpoint) return;
      ({ hkey: s.hkey, scopes: s.scopes } = fold(s.hkey, s.scopes, step.value));
      s.step = (s.gen as Code<unknown>).next(0);
    }
  }

  /** The call returned `result`: records it, computes the carry, moves on to the next call. */
  private completeCall(s: Settling, result: unknown): void {
    const call = (this.programs[s.thread] as Program<Call>).calls[s.callIndex] as Call;
    s.done.push({ callIndex: s.callIndex, result, accessless: s.accessless });
    s.carry = this.subject.after ? this.subject.after(this.threadIdOf(s.thread), call, result as Result, s.carry) : s.carry;
    s.accessless = true;
    s.callIndex++;
    s.observed = [];
    s.kinds = [];
    s.hkey = "";
    s.scopes = null;
    s.step = null;
  }

  /** The id of the node where the thread waits for its next access (interned by its identity). */
  private internNode(s: Settling): number {
    const calls = (this.programs[s.thread] as Program<Call>).calls;
    const access = s.step === null || s.step.done ? null : s.step.value;
    const history = this.historyKey !== undefined && access !== null ? this.historyKey(calls[s.callIndex] as Call, s.observed) : s.hkey;
    const key = `${s.thread}|${s.callIndex}|${s.carry.join(",")}|${history}`;
    const id = this.intern.get(key);
    if (id !== undefined) {
      if (access !== null) this.checkMerge(this.node(id), s, access);
      return id;
    }
    const fresh: TNode = {
      id: this.nodes.length,
      thread: s.thread,
      callIndex: s.callIndex,
      carry: s.carry,
      observed: s.observed,
      kinds: s.kinds,
      hkey: s.hkey,
      scopes: s.scopes,
      op: access === null ? FINISHED : access.op,
      addr: access === null ? -1 : access.addr,
      access,
      edges: new Map(),
      gen: access === null ? null : s.gen,
      images: null,
      // set now, not when first resolved: every node keeps one hidden class, so the engine's reads
      // of a node's fields stay monomorphic
      resolved: undefined,
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
}

/** Each program runs on its own thread, and a thread id names its interpreter (D18, model `threadId`). */
export function checkInterps<Call>(programs: readonly Program<Call>[]): void {
  const seen = new Set<number>();
  for (const p of programs) {
    if (!Number.isInteger(p.interp) || p.interp < 1) throw new RangeError(`interp ids are 1-based integers, got ${p.interp}`);
    const t = threadOf(p);
    if (!Number.isInteger(t) || t < 1 || interpOf(t) !== p.interp) throw new RangeError(`thread id ${t} is not a thread of interp ${p.interp}`);
    if (seen.has(t)) throw new RangeError(`${describeThread(t)} has two programs`);
    seen.add(t);
  }
}
