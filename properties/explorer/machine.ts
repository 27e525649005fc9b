/**
 * The controlled backend: interpreters run as in-process coroutines over a plain Int32Array, and
 * every yielded Access is a scheduling point.
 *
 * A thread's generator is deterministic given (call index, carry, the values it observed in its
 * current call), so the engine never needs a generator's hidden state: it *interns* each such
 * position as a thread-local node and memoises the node's transition for each observed value. The
 * first time a (node, value) pair is taken the generator is resumed (or rebuilt by re-feeding the
 * observed values); after that a step is a table lookup. A whole global state is then a handful of
 * int32s — memory words, one node id and one wait rank per thread — which makes snapshot/restore a
 * copy and a visited set a hash of integers.
 *
 * History keys: the observed values are a thread's whole history within its call, which tells
 * apart positions C would not (how a contended lock was acquired, what a notify returned). A
 * caller who knows the code may pass `historyKey`, the part of a history the call's future depends
 * on; histories with one key share a node (the first history seen is kept to rebuild generators).
 * The engine checks what it cheaply can — merged histories must have the same next access — and
 * the caller owns the rest; without a historyKey every history is its own node (always sound).
 *
 * Symmetry: interpreters whose programs are identical can share one node table, so a state and its
 * permutation have the same sorted node ids. That is only sound if their code behaves the same
 * whatever the interp id; the engine verifies it on every node it builds (each member's generator
 * must yield the same access, return the same result and carry) and throws `SymmetryBroken` the
 * first time they differ, e.g. when an interp id is written into a mutex owner word.
 */
import { AccessOp, LoadMode, WaitResult, accessOpName, performPlain, type Access, type Code } from "../../impl/memory.js";
import type { Program, Subject } from "../../impl/subject.js";
import type { CallRecord, Observer, StateView, ThreadView, Violation } from "./types.js";

/**
 * One access of a traced execution: at which step, by which thread (index into the programs), at
 * which position, what it did and what it returned (null: a wait that blocked), and — if the call
 * returned with this access — its result.
 */
export interface TraceRow {
  readonly step: number;
  readonly thread: number;
  readonly callIndex: number;
  readonly accessIndex: number;
  readonly access: Access;
  value: number | null;
  returned: unknown;
}

/** Sharing disciplines of words (see Subject.discipline). */
const DISCIPLINE_PROTECTED = 1;
const DISCIPLINE_OWNER = 2;
const DISCIPLINE_SELF_BITS = 3;

/** Marks a node whose program is done. */
const FINISHED = -1;

/** A call that returned during a transition. `accessless` calls made no access at all. */
interface Completion {
  readonly callIndex: number;
  readonly result: unknown;
  readonly accessless: boolean;
}

/** Where a thread goes when its node's access returns a given value. */
interface Edge {
  readonly to: number;
  readonly done: readonly Completion[] | null;
}

/** A thread-local position: (class, call index, carry, observed values) and its pending access. */
interface TNode {
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
function skipCheckpoints(g: Code<unknown>, r: IteratorResult<Access, unknown>): IteratorResult<Access, unknown> {
  let step = r;
  while (!step.done && step.value.op === AccessOp.checkpoint) step = g.next(0);
  return step;
}

/** Thrown when interpreters assumed interchangeable turn out to behave differently. */
export class SymmetryBroken extends Error {}

/** The part of a call's observed values its future depends on (see `historyKey` above). */
export type HistoryKey<Call> = (call: Call, observed: readonly number[]) => string;

const sameAccess = (x: Access, y: Access): boolean => x.op === y.op && x.addr === y.addr && x.a === y.a && x.b === y.b;

export function describeAccess(access: Access | null): string {
  if (access === null) return "done";
  const name = accessOpName[access.op] ?? `op${access.op}`;
  switch (access.op) {
    case AccessOp.load:
      if (access.b === LoadMode.equals) return `${name}(word ${access.addr}) == ${access.a}?`;
      if (access.b === LoadMode.bits) return `${name}(word ${access.addr}) & ${access.a >>> 0}?`;
      return `${name}(word ${access.addr})`;
    case AccessOp.cas:
      return `${name}(word ${access.addr}, ${access.a} → ${access.b})`;
    case AccessOp.wait:
      return `${name}(word ${access.addr} == ${access.a})`;
    default:
      return `${name}(word ${access.addr}, ${access.a})`;
  }
}

/**
 * A Machine holds one global state of a subject running some programs, and steps it. It is the
 * only place that knows how a state is laid out.
 */
export class Machine<Call, Result> {
  readonly n: number;
  readonly words: number;
  readonly mem: Int32Array;
  /** Per thread: current node id. */
  readonly node: Int32Array;
  /** Per thread: 0 when runnable, else 1-based position in the FIFO of waiters on its word. */
  readonly rank: Int32Array;
  /** Per thread: accesses performed in its current call (the real count, whatever the node). */
  readonly accessIndex: Int32Array;
  /** Steps taken in the current execution. */
  steps = 0;
  /** Per thread: its class (threads in one class share node ids). */
  readonly classOf: Int32Array;
  readonly classMembers: readonly (readonly number[])[];
  readonly symmetric: boolean;
  readonly view: StateView<Call>;
  /** Width of a snapshot in int32s. */
  readonly snapshotWidth: number;
  /** Width of `key()` in int32s. */
  readonly keyWidth: number;

  private readonly nodes: TNode[] = [];
  private readonly intern = new Map<string, number>();
  private readonly initialMem: Int32Array;
  private readonly initialEdges: Edge[];
  // The schedule so far: thread and node before each step (token material).
  private schedThread: Int32Array = new Int32Array(256);
  private schedNode: Int32Array = new Int32Array(256);
  private schedAccess: Int32Array = new Int32Array(256);
  // The history log: one entry per invoke or response, truncated on restore.
  /** Per event: thread, call index, step·2 + (1 if a response). */
  private hEvent: number[] = [];
  private hResult: unknown[] = [];
  private readonly keyScratch: Int32Array;
  /** Whether steps may fold several accesses (the Subject declares sharing disciplines). */
  get foldsAccesses(): boolean {
    return this.kinds !== null;
  }
  /** The observer's current state (Hooks.observer), part of the state's identity; -1 after a rejection. */
  judge = 0;
  /** The observer's first rejection since last taken. */
  private judgeViolation: Violation | null = null;
  /** When non-null, every access performed is appended here (replay for reports; off while searching). */
  traceRows: TraceRow[] | null = null;
  /** Per word: its sharing discipline (Subject.discipline) as DISCIPLINE_*, or null if no word has one. */
  private readonly kinds: Int8Array | null;
  /** Per lock-protected word: the owner word of the mutex that protects it. */
  private readonly guardOwner: Int32Array;
  /** The first access to a protected word made without holding its mutex, since last taken. */
  private guardViolation: string | null = null;

  constructor(
    readonly subject: Subject<Call, Result>,
    readonly programs: readonly Program<Call>[],
    symmetric: boolean,
    private readonly historyKey?: HistoryKey<Call>,
    private readonly observer?: Observer<Call, Result>,
  ) {
    this.n = programs.length;
    this.words = subject.words;
    const seen = new Set<number>();
    for (const p of programs) {
      if (!Number.isInteger(p.interp) || p.interp < 1) throw new RangeError(`interp ids are 1-based integers, got ${p.interp}`);
      if (seen.has(p.interp)) throw new RangeError(`interp ${p.interp} has two programs`);
      seen.add(p.interp);
    }
    this.mem = new Int32Array(this.words);
    this.node = new Int32Array(this.n);
    this.rank = new Int32Array(this.n);
    this.accessIndex = new Int32Array(this.n);
    this.classOf = new Int32Array(this.n);
    const members: number[][] = [];
    const byProgram = new Map<string, number>();
    for (let t = 0; t < this.n; t++) {
      const key = symmetric ? JSON.stringify((programs[t] as Program<Call>).calls) : `#${t}`;
      let c = byProgram.get(key);
      if (c === undefined) {
        c = members.length;
        byProgram.set(key, c);
        members.push([]);
      }
      this.classOf[t] = c;
      (members[c] as number[]).push(t);
    }
    this.classMembers = members;
    this.symmetric = symmetric && observer === undefined && members.some((m) => m.length > 1);
    this.snapshotWidth = this.words + 3 * this.n + 3;
    this.keyWidth = this.words + this.n + 1;
    this.keyScratch = new Int32Array(this.keyWidth);
    let kinds: Int8Array | null = null;
    this.guardOwner = new Int32Array(this.words).fill(-1);
    if (subject.discipline !== undefined) {
      kinds = new Int8Array(this.words);
      for (let a = 0; a < this.words; a++) {
        const d = subject.discipline(a);
        if (d === undefined) continue;
        if (d === "owner") kinds[a] = DISCIPLINE_OWNER;
        else if (d === "self-bits") kinds[a] = DISCIPLINE_SELF_BITS;
        else {
          kinds[a] = DISCIPLINE_PROTECTED;
          this.guardOwner[a] = d.protectedBy;
        }
      }
    }
    this.kinds = kinds;
    this.initialMem = new Int32Array(this.words);
    subject.init?.(this.initialMem);
    this.initialEdges = members.map((_, c) => this.startClass(c));
    this.view = this.makeView();
    this.reset();
  }

  /** Back to the initial state: memory as `init` left it, every thread before its first call. */
  reset(): void {
    this.guardViolation = null;
    this.judgeViolation = null;
    this.judge = this.observer?.initial ?? 0;
    this.mem.set(this.initialMem);
    this.rank.fill(0);
    this.accessIndex.fill(0);
    this.steps = 0;
    this.truncateHistory(0);
    for (let t = 0; t < this.n; t++) {
      const e = this.initialEdges[this.classOf[t] as number] as Edge;
      this.node[t] = e.to;
      if (e.done !== null) this.record(t, e.done);
    }
  }

  isEnabled(t: number): boolean {
    return this.rank[t] === 0 && (this.nodes[this.node[t] as number] as TNode).op !== FINISHED;
  }

  isFinished(t: number): boolean {
    return (this.nodes[this.node[t] as number] as TNode).op === FINISHED;
  }

  /** True when every program is done. */
  allFinished(): boolean {
    for (let t = 0; t < this.n; t++) if (!this.isFinished(t)) return false;
    return true;
  }

  /** True when some program has work left but no thread can move. */
  deadlocked(): boolean {
    let unfinished = false;
    for (let t = 0; t < this.n; t++) {
      if (this.isEnabled(t)) return false;
      if (!this.isFinished(t)) unfinished = true;
    }
    return unfinished;
  }

  /** Performs thread t's pending access (t must be enabled). */
  step(t: number): void {
    const nd = this.nodes[this.node[t] as number] as TNode;
    const s = this.steps;
    if (s === this.schedThread.length) this.growSchedule();
    this.schedThread[s] = t;
    this.schedNode[s] = nd.id;
    const at = this.accessIndex[t] as number;
    this.schedAccess[s] = at;
    if (at === 0) this.invoked(t, nd, s);
    this.accessIndex[t] = at + 1;
    const access = nd.access as Access;
    switch (nd.op) {
      case AccessOp.wait:
        if (this.mem[nd.addr] !== access.a) this.traced(t, nd, at, s, WaitResult.notEqual);
        else {
          this.rank[t] = 1 + this.waitersOn(nd.addr);
          if (this.traceRows !== null) this.traceRows.push({ step: s, thread: t, callIndex: nd.callIndex, accessIndex: at, access, value: null, returned: undefined });
        }
        break;
      case AccessOp.notify: {
        const row = this.traceRows === null ? -1 : this.traceRows.length;
        if (row >= 0) this.traceRows!.push({ step: s, thread: t, callIndex: nd.callIndex, accessIndex: at, access, value: 0, returned: undefined });
        const woken = this.wake(nd.addr, access.a, s);
        if (row >= 0) (this.traceRows![row] as { value: number | null }).value = woken;
        this.advance(t, nd, woken, row);
        break;
      }
      default:
        if (this.kinds !== null && this.kinds[nd.addr] !== 0) this.invisible(t, nd);
        this.traced(t, nd, at, s, performPlain(this.mem, access));
    }
    if (this.kinds !== null) this.runInvisible(t, s);
    this.steps = s + 1;
  }

  /**
   * After a step, performs the thread's following *invisible* accesses at once, as part of the same
   * step: accesses that, by a sharing discipline the Subject declares and this machine checks, no
   * other interpreter can observe or influence (see Subject.discipline). Where they fall among the
   * other threads' steps changes nothing, so they need no scheduling point. Stops at the first
   * access that is a scheduling point (or that breaks the discipline: then the break is recorded).
   */
  private runInvisible(t: number, s: number): void {
    for (;;) {
      if (this.rank[t] !== 0) return;
      const nd = this.nodes[this.node[t] as number] as TNode;
      if (nd.op === FINISHED || nd.op === AccessOp.wait || nd.op === AccessOp.notify) return;
      if (!this.invisible(t, nd)) return;
      const at = this.accessIndex[t] as number;
      if (at === 0) this.invoked(t, nd, s);
      this.accessIndex[t] = at + 1;
      this.traced(t, nd, at, s, performPlain(this.mem, nd.access as Access));
    }
  }

  /** Advances thread t past its access with `value`, first appending a trace row when tracing. */
  private traced(t: number, nd: TNode, accessIndex: number, step: number, value: number): void {
    let row = -1;
    if (this.traceRows !== null) {
      row = this.traceRows.length;
      this.traceRows.push({ step, thread: t, callIndex: nd.callIndex, accessIndex, access: nd.access as Access, value, returned: undefined });
    }
    this.advance(t, nd, value, row);
  }

  /**
   * Whether thread t's pending access is invisible under its word's discipline. An access the
   * discipline forbids is recorded as a violation (and is not invisible).
   */
  private invisible(t: number, nd: TNode): boolean {
    const kind = this.kinds === null ? 0 : (this.kinds[nd.addr] as number);
    if (kind === 0) return false;
    const a = nd.access as Access;
    const me = this.interpOf(t);
    const word = this.mem[nd.addr] as number;
    if (kind === DISCIPLINE_PROTECTED) {
      const owner = this.guardOwner[nd.addr] as number;
      if (this.mem[owner] === me) return true;
      return this.breaks(t, nd, `without holding the mutex that protects that word (its owner word ${owner} holds ${this.mem[owner]}): an unlocked access to lock-protected state, a data race`);
    }
    if (kind === DISCIPLINE_OWNER) {
      if (a.op === AccessOp.load && a.b === LoadMode.equals && a.a === me) return true;
      if (a.op === AccessOp.store && ((a.a === me && word === 0) || (a.a === 0 && (word === me || word === 0)))) return true;
      return this.breaks(t, nd, `on a mutex owner word holding ${word}: only the holder may set or clear its own id, and others may only ask "is it me?"`);
    }
    // DISCIPLINE_SELF_BITS
    const mine = 1 << (me - 1);
    if (a.op === AccessOp.load && a.b === LoadMode.bits && a.a === mine) return true;
    const writes = a.op !== AccessOp.load;
    if (writes && !((a.op === AccessOp.or && a.a === mine) || (a.op === AccessOp.and && a.a === ~mine))) {
      return this.breaks(t, nd, `on a bitmask whose bit i may change only by interpreter i (it holds ${word})`);
    }
    return false;
  }

  /** Records a break of a sharing discipline by thread t's pending access; returns false. */
  private breaks(t: number, nd: TNode, why: string): false {
    if (this.guardViolation !== null) return false;
    const program = this.programs[t] as Program<Call>;
    const call = program.calls[nd.callIndex] as Call;
    const callText = this.subject.describeCall ? this.subject.describeCall(call) : JSON.stringify(call);
    this.guardViolation = `interp ${program.interp} did ${describeAccess(nd.access)} during ${callText} ${why}`;
    return false;
  }

  /** The protection claim's first violation since the last call, if any (and forgets it). */
  takeGuardViolation(): string | null {
    const v = this.guardViolation;
    this.guardViolation = null;
    return v;
  }

  /** Writes the whole state (memory, nodes, ranks, step count, history length) into `out` at `at`. */
  save(out: Int32Array, at: number): void {
    out.set(this.mem, at);
    out.set(this.node, at + this.words);
    out.set(this.rank, at + this.words + this.n);
    out.set(this.accessIndex, at + this.words + 2 * this.n);
    out[at + this.words + 3 * this.n] = this.steps;
    out[at + this.words + 3 * this.n + 1] = this.hResult.length;
    out[at + this.words + 3 * this.n + 2] = this.judge;
  }

  /** Restores a state written by `save`. */
  restore(from: Int32Array, at: number): void {
    this.guardViolation = null;
    const w = this.words;
    const n = this.n;
    for (let i = 0; i < w; i++) this.mem[i] = from[at + i] as number;
    for (let t = 0; t < n; t++) {
      this.node[t] = from[at + w + t] as number;
      this.rank[t] = from[at + w + n + t] as number;
      this.accessIndex[t] = from[at + w + 2 * n + t] as number;
    }
    this.steps = from[at + w + 3 * n] as number;
    this.truncateHistory(from[at + w + 3 * n + 1] as number);
    this.judge = from[at + w + 3 * n + 2] as number;
  }

  /**
   * The state's identity for a visited set: memory words, then one code per thread (node id and
   * wait rank); under symmetry the codes of each class are sorted, so permuted states coincide.
   * Returns a scratch array overwritten by the next call.
   */
  key(): Int32Array {
    const k = this.keyScratch;
    const w = this.words;
    for (let i = 0; i < w; i++) k[i] = this.mem[i] as number;
    for (let t = 0; t < this.n; t++) k[w + t] = ((this.node[t] as number) << 5) | (this.rank[t] as number);
    if (this.symmetric) {
      let at = w;
      for (const m of this.classMembers) {
        for (let i = 0; i < m.length; i++) k[at + i] = ((this.node[m[i] as number] as number) << 5) | (this.rank[m[i] as number] as number);
        // insertion sort: classes are small
        for (let i = at + 1; i < at + m.length; i++) {
          const v = k[i] as number;
          let j = i - 1;
          while (j >= at && (k[j] as number) > v) {
            k[j + 1] = k[j] as number;
            j--;
          }
          k[j + 1] = v;
        }
        at += m.length;
      }
    }
    k[w + this.n] = this.judge;
    return k;
  }

  /** Thread t's position: (call index, access index) of its next access. */
  position(t: number): { callIndex: number; accessIndex: number } {
    const nd = this.nodes[this.node[t] as number] as TNode;
    return { callIndex: nd.callIndex, accessIndex: this.accessIndex[t] as number };
  }

  /** The pending access of thread t, or null when its program is done. */
  pending(t: number): Access | null {
    return (this.nodes[this.node[t] as number] as TNode).access;
  }

  /** The schedule so far as (thread, call index, access index) per step. */
  scheduleSoFar(): { thread: number; callIndex: number; accessIndex: number }[] {
    const out: { thread: number; callIndex: number; accessIndex: number }[] = [];
    for (let s = 0; s < this.steps; s++) {
      const nd = this.nodes[this.schedNode[s] as number] as TNode;
      out.push({ thread: this.schedThread[s] as number, callIndex: nd.callIndex, accessIndex: this.schedAccess[s] as number });
    }
    return out;
  }

  /** The thread that took step s of the current execution. */
  threadAt(s: number): number {
    return this.schedThread[s] as number;
  }

  /** The history of the current execution (pending calls have a null response). */
  history(): CallRecord<Call, Result>[] {
    const records: CallRecord<Call, Result>[] = [];
    const open = new Map<string, number>();
    for (let i = 0; i < this.hResult.length; i++) {
      const t = this.hEvent[3 * i] as number;
      const callIndex = this.hEvent[3 * i + 1] as number;
      const stamp = this.hEvent[3 * i + 2] as number;
      const step = stamp >> 1;
      const program = this.programs[t] as Program<Call>;
      const k = `${t}:${callIndex}`;
      if ((stamp & 1) === 0) {
        open.set(k, records.length);
        records.push({ interp: program.interp, callIndex, call: program.calls[callIndex] as Call, invoke: step, response: null });
      } else {
        const at = open.get(k);
        if (at === undefined) throw new Error(`internal: response without invoke for ${k}`);
        records[at] = { ...(records[at] as CallRecord<Call, Result>), response: { step, result: this.hResult[i] as Result } };
      }
    }
    return this.resolveRecords(records);
  }

  /**
   * Records the calls as actually made: a call's carried references (an index received earlier)
   * are filled in from the carry its interpreter had when the call started, so histories hold
   * what the model must judge. Each interpreter's calls complete in program order.
   */
  private resolveRecords(records: CallRecord<Call, Result>[]): CallRecord<Call, Result>[] {
    const resolve = this.subject.resolve;
    if (resolve === undefined) return records;
    const carries = new Map<number, readonly number[]>();
    const order = records.map((_, i) => i).sort((a, b) => {
      const x = records[a] as CallRecord<Call, Result>;
      const y = records[b] as CallRecord<Call, Result>;
      return x.interp - y.interp || x.callIndex - y.callIndex;
    });
    for (const i of order) {
      const r = records[i] as CallRecord<Call, Result>;
      const carry = carries.get(r.interp) ?? [];
      records[i] = { ...r, call: resolve.call(this.subject, r.interp, r.call, carry) };
      if (r.response !== null && this.subject.after) carries.set(r.interp, this.subject.after(r.interp, r.call, r.response.result, carry));
    }
    return records;
  }

  /** Describes thread t for deadlock and mismatch messages. */
  describeThread(t: number): string {
    const program = this.programs[t] as Program<Call>;
    const nd = this.nodes[this.node[t] as number] as TNode;
    if (nd.op === FINISHED) return `interp ${program.interp}: done`;
    const call = program.calls[nd.callIndex] as Call;
    const callText = this.subject.describeCall ? this.subject.describeCall(call) : JSON.stringify(call);
    // a blocked thread has performed its wait already; name the wait's own index
    const blocked = this.rank[t] !== 0;
    const index = (this.accessIndex[t] as number) - (blocked ? 1 : 0);
    return `interp ${program.interp} at call ${nd.callIndex} (${callText}), access ${index}: ${blocked ? "blocked in" : "about to"} ${describeAccess(nd.access)}`;
  }

  /** Thread-local nodes built so far (a measure of how much generator work was memoised). */
  nodeCount(): number {
    return this.nodes.length;
  }

  // ---- internals ----------------------------------------------------------------------------

  private advance(t: number, nd: TNode, value: number, traceRow = -1): void {
    const e = nd.edges.get(value) ?? this.rawEdge(nd, value);
    this.node[t] = e.to;
    if (e.done !== null) {
      this.accessIndex[t] = 0;
      this.record(t, e.done, nd.carry, nd);
      if (traceRow >= 0 && this.traceRows !== null) {
        const last = e.done[e.done.length - 1] as Completion;
        (this.traceRows[traceRow] as { returned: unknown }).returned = last.result;
      }
    }
  }

  private record(t: number, done: readonly Completion[], carryIn: readonly number[] = [], from?: TNode): void {
    const s = this.steps;
    let carry = carryIn;
    for (const c of done) {
      if (c.accessless) this.pushHistory(t, c.callIndex, s, undefined, false);
      this.pushHistory(t, c.callIndex, s, c.result, true);
      if (this.observer !== undefined && this.judge >= 0) {
        const interp = this.interpOf(t);
        const call = from !== undefined && c.callIndex === from.callIndex ? this.callOf(t, from) : this.resolvedCall(t, c.callIndex, carry);
        if (c.accessless) this.judgeWith(this.observer.invoke(this.judge, interp, call));
        this.judgeWith(this.observer.respond(this.judge, interp, call, c.result as Result));
        if (this.subject.after) carry = this.subject.after(interp, call, c.result as Result, carry);
      }
    }
  }

  /** A call's first access is performed: its invocation enters the history (and the observer). */
  private invoked(t: number, nd: TNode, step: number): void {
    this.pushHistory(t, nd.callIndex, step, undefined, false);
    if (this.observer !== undefined && this.judge >= 0) this.judgeWith(this.observer.invoke(this.judge, this.interpOf(t), this.callOf(t, nd)));
  }

  /**
   * The resolved call of thread t at node nd: a node fixes the call and its carry, so the resolution
   * is computed once per node (and is the same object every time, which lets an observer key on it)
   * when the node belongs to one thread only.
   */
  private callOf(t: number, nd: TNode): Call {
    if (nd.resolved !== undefined) return nd.resolved as Call;
    const call = this.resolvedCall(t, nd.callIndex, nd.carry);
    if ((this.classMembers[nd.cls] as readonly number[]).length === 1) nd.resolved = call;
    return call;
  }

  private resolvedCall(t: number, callIndex: number, carry: readonly number[]): Call {
    const call = (this.programs[t] as Program<Call>).calls[callIndex] as Call;
    return this.subject.resolve ? this.subject.resolve(this.interpOf(t), call, carry) : call;
  }

  /** Moves the observer to `next`; a rejection (-1) is remembered until taken. */
  private judgeWith(next: number): void {
    if (this.judge < 0) return;
    if (next < 0 && this.judgeViolation === null) this.judgeViolation = (this.observer as Observer<Call, Result>).why();
    this.judge = next;
  }

  /** The observer's rejection since the last call, if any (and forgets it). */
  takeJudgeViolation(): Violation | null {
    const v = this.judgeViolation;
    this.judgeViolation = null;
    return v;
  }

  /** At a deadlock: whether the observer accepts that every pending call blocks. */
  judgeBlocked(): Violation | undefined {
    if (this.observer === undefined || this.judge < 0) return undefined;
    return this.observer.blocked(this.judge);
  }

  private pushHistory(t: number, callIndex: number, step: number, result: unknown, isResponse: boolean): void {
    this.hEvent.push(t, callIndex, step * 2 + (isResponse ? 1 : 0));
    this.hResult.push(result);
  }

  private truncateHistory(length: number): void {
    if (this.hResult.length === length) return;
    this.hEvent.length = 3 * length;
    this.hResult.length = length;
  }

  private growSchedule(): void {
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.schedThread = grow(this.schedThread);
    this.schedNode = grow(this.schedNode);
    this.schedAccess = grow(this.schedAccess);
  }

  private waitersOn(addr: number): number {
    let count = 0;
    for (let u = 0; u < this.n; u++) {
      if (this.rank[u] !== 0 && (this.nodes[this.node[u] as number] as TNode).addr === addr) count++;
    }
    return count;
  }

  /** Wakes up to `count` waiters on addr in FIFO order; returns how many woke. */
  private wake(addr: number, count: number, step = this.steps): number {
    const woken = Math.min(Math.max(count, 0), this.waitersOn(addr));
    if (woken === 0) return 0;
    for (let u = 0; u < this.n; u++) {
      const r = this.rank[u] as number;
      if (r === 0) continue;
      const nd = this.nodes[this.node[u] as number] as TNode;
      if (nd.addr !== addr) continue;
      if (r <= woken) {
        this.rank[u] = 0;
        this.traced(u, nd, (this.accessIndex[u] as number) - 1, step, WaitResult.woken);
      } else {
        this.rank[u] = r - woken;
      }
    }
    return woken;
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

  private startClass(c: number): Edge {
    const members = this.classMembers[c] as readonly number[];
    return this.settle(c, 0, [], [], members.map(() => null), members.map(() => null), true, "", null);
  }

  /** Builds the edge of one node for one value: generator work, done once per (node, value). */
  private rawEdge(nd: TNode, value: number): Edge {
    const members = this.classMembers[nd.cls] as readonly number[];
    const gens = nd.gens ?? members.map((t) => this.rebuild(t, nd));
    nd.gens = null;
    const steps = gens.map((g) => g.next(value));
    const e = this.settle(nd.cls, nd.callIndex, nd.carry, [...nd.observed, value], gens, steps, false, `${nd.hkey},${value}`, nd.scopes);
    nd.edges.set(value, e);
    return e;
  }

  /**
   * From generators that just yielded (or returned), completes every call that returned, starts
   * the next ones, and interns the node where the thread waits for its next access. Checks that
   * all class members agree.
   */
  private settle(
    cls: number,
    callIndex: number,
    carry: readonly number[],
    observed: readonly number[],
    gensIn: readonly (Code<unknown> | null)[],
    stepsIn: readonly (IteratorResult<Access, unknown> | null)[],
    atStart: boolean,
    hkeyIn: string,
    scopesIn: ReadonlyMap<number, string> | null,
  ): Edge {
    const members = this.classMembers[cls] as readonly number[];
    const calls = (this.programs[members[0] as number] as Program<Call>).calls;
    const gens = [...gensIn];
    const steps = [...stepsIn];
    const done: Completion[] = [];
    let accessless = atStart;
    let obs = observed;
    let hkey = hkeyIn;
    let scopes = scopesIn;
    for (;;) {
      if (steps[0] === null) {
        // start call `callIndex` in every member
        if (callIndex >= calls.length) break;
        for (let i = 0; i < members.length; i++) {
          const t = members[i] as number;
          const g = this.subject.start(this.interpOf(t), calls[callIndex] as Call, carry) as Code<unknown>;
          gens[i] = g;
          steps[i] = g.next();
        }
      }
      // Loop checkpoints are not scheduling points: fold them into the history key and resume.
      for (;;) {
        const head = steps[0] as IteratorResult<Access, unknown>;
        if (head.done || head.value.op !== AccessOp.checkpoint) break;
        for (let i = 1; i < members.length; i++) {
          const other = steps[i] as IteratorResult<Access, unknown>;
          if (other.done || !sameAccess(head.value, other.value)) throw new SymmetryBroken(this.asymmetry(members, 0, i, callIndex, obs.length, head, other));
        }
        ({ hkey, scopes } = fold(hkey, scopes, head.value));
        for (let i = 0; i < members.length; i++) steps[i] = (gens[i] as Code<unknown>).next(0);
      }
      const first = steps[0] as IteratorResult<Access, unknown>;
      for (let i = 1; i < members.length; i++) {
        const other = steps[i] as IteratorResult<Access, unknown>;
        const same = first.done ? other.done && JSON.stringify(other.value) === JSON.stringify(first.value) : !other.done && sameAccess(first.value, other.value);
        if (!same) throw new SymmetryBroken(this.asymmetry(members, 0, i, callIndex, obs.length, first, other));
      }
      if (!first.done) break;
      // the call returned: record it, compute the carry, move on to the next call
      const result = first.value;
      let nextCarry = carry;
      for (let i = 0; i < members.length; i++) {
        const t = members[i] as number;
        const c = this.subject.after ? this.subject.after(this.interpOf(t), calls[callIndex] as Call, result as Result, carry) : carry;
        if (i === 0) nextCarry = c;
        else if (c.length !== nextCarry.length || c.some((x, j) => x !== nextCarry[j])) {
          throw new SymmetryBroken(`interp ${this.interpOf(members[0] as number)} and interp ${this.interpOf(t)} leave call ${callIndex} with different carries [${nextCarry.join(",")}] and [${c.join(",")}]`);
        }
      }
      done.push({ callIndex, result, accessless });
      accessless = true;
      carry = nextCarry;
      callIndex++;
      obs = [];
      hkey = "";
      scopes = null;
      for (let i = 0; i < members.length; i++) steps[i] = null;
    }
    const first = steps[0] ?? null;
    const access = first === null || first.done ? null : first.value;
    const history = this.historyKey !== undefined && access !== null ? this.historyKey(calls[callIndex] as Call, obs) : hkey;
    const key = `${cls}|${callIndex}|${carry.join(",")}|${history}`;
    let id = this.intern.get(key);
    if (id !== undefined && access !== null) {
      const known = (this.nodes[id] as TNode).access as Access;
      if (!sameAccess(known, access)) {
        throw new Error(
          `historyKey merges histories with different next accesses at call ${callIndex}: [${(this.nodes[id] as TNode).observed.join(",")}] → ${describeAccess(known)} ` +
            `but [${obs.join(",")}] → ${describeAccess(access)}; the key drops a value the code still uses`,
        );
      }
    }
    if (id === undefined) {
      id = this.nodes.length;
      this.intern.set(key, id);
      const fresh: TNode = {
        id,
        cls,
        callIndex,
        carry,
        observed: obs,
        hkey,
        scopes,
        op: access === null ? FINISHED : access.op,
        addr: access === null ? -1 : access.addr,
        access,
        edges: new Map(),
        gens: access === null ? null : (gens as Code<unknown>[]),
      };
      this.nodes.push(fresh);
    }
    return { to: id, done: done.length === 0 ? null : done };
  }

  private asymmetry(
    members: readonly number[],
    i: number,
    j: number,
    callIndex: number,
    accessIndex: number,
    a: IteratorResult<Access, unknown>,
    b: IteratorResult<Access, unknown>,
  ): string {
    const show = (r: IteratorResult<Access, unknown>): string => (r.done ? `returns ${JSON.stringify(r.value)}` : describeAccess(r.value));
    return (
      `interp ${this.interpOf(members[i] as number)} and interp ${this.interpOf(members[j] as number)} run identical programs ` +
      `but differ at call ${callIndex}, access ${accessIndex}: ${show(a)} vs ${show(b)}`
    );
  }

  private makeView(): StateView<Call> {
    const threads: ThreadView<Call>[] = [];
    // the views read live state through this alias
    const m = this;
    for (let t = 0; t < this.n; t++) {
      const program = this.programs[t] as Program<Call>;
      threads.push({
        interp: program.interp,
        get callIndex() {
          return (m.nodes[m.node[t] as number] as TNode).callIndex;
        },
        get call() {
          return program.calls[(m.nodes[m.node[t] as number] as TNode).callIndex];
        },
        get accessIndex() {
          return m.accessIndex[t] as number;
        },
        get access() {
          return (m.nodes[m.node[t] as number] as TNode).access;
        },
        get blocked() {
          return m.rank[t] !== 0;
        },
        get finished() {
          return m.isFinished(t);
        },
      });
    }
    return {
      mem: this.mem,
      threads,
      get steps() {
        return m.steps;
      },
    };
  }
}
