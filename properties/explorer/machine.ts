/**
 * The controlled backend: interpreters run as in-process coroutines over a plain Int32Array, and
 * every yielded Access is a scheduling point.
 *
 * The Machine is a façade over the engine's parts (engine/): thread-local nodes (`threads.ts`), the
 * history log (`history.ts`), sharing disciplines (`discipline.ts`), the online judge's link
 * (`judge.ts`), the schedule (`schedule.ts`) and tracing (`trace.ts`). It owns the one global
 * state — memory words, one node id and one wait rank per thread, the judge's state — so that
 * snapshot/restore is a copy and the visited set hashes integers (`key`).
 */
import { AccessOp, WaitResult, performPlain, type Access } from "../../impl/memory.js";
import { threadOf, type Program, type Subject } from "../../impl/subject.js";
import { describeThread } from "../../model/thread.js";
import { blockedAcquire, checkRelease, checkSlowPath } from "./engine/blockingAcquires.js";
import { Canonical } from "./engine/canonical.js";
import { Disciplines } from "./engine/discipline.js";
import { Footprint, INVOKED, ORDERED, RESPONDED } from "./engine/footprint.js";
import { HistoryLog } from "./engine/history.js";
import { JudgeLink } from "./engine/judge.js";
import { ScheduleLog } from "./engine/schedule.js";
import { quietAccess, STABLE, watchAccess } from "./engine/quietWords.js";
import { symmetryOf, verifyStart, type Perm, type Symmetry } from "./engine/symmetry.js";
import { checkInterps, FINISHED, ThreadTable, type Completion, type Edge, type HistoryKey, type TNode } from "./engine/threads.js";
import { callText, describeAccess, type TraceRow } from "./engine/trace.js";
import { stateView } from "./engine/view.js";
import type { CallRecord, Observer, StateView, Violation } from "./types.js";

export { describeAccess, type TraceRow } from "./engine/trace.js";
export { SymmetryBroken, type HistoryKey } from "./engine/threads.js";

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
  /** Per thread: its symmetry class (interchangeable threads; singletons without symmetry). */
  readonly classOf: Int32Array;
  readonly classMembers: readonly (readonly number[])[];
  readonly symmetric: boolean;
  /** The symmetry reduction in use, or null. */
  private readonly symmetry: Symmetry | null;
  private readonly interps: readonly number[];
  readonly view: StateView<Call>;
  /** Width of a snapshot in int32s. */
  readonly snapshotWidth: number;
  /** When non-null, every step records what it read, wrote and showed the judge here (partial-order reduction). */
  footprint: Footprint | null = null;
  /** Per thread: its position in the canonical state the last `key()` returned (identity without symmetry). */
  readonly canonicalThread: Int32Array;
  /** The state's key for the visited set (canonical under symmetry). */
  private readonly canonical: Canonical;
  /** When non-null, every access performed is appended here (replay for reports; off while searching). */
  traceRows: TraceRow[] | null = null;
  /** Per word, STABLE / QUIET_BITS when assumed quiet (engine/quietWords.ts), else 0; null: none. */
  private quiet: Int8Array | null = null;
  /** When non-null, what each access did to its word is marked here (WRITTEN, READ_WHOLE: the quiet-words pre-pass). */
  private touched: Uint8Array | null = null;
  /** Per word, 1 for a section lock's lock word (Subject.sectionLocks); null when the Subject declares none. */
  private readonly sections: Uint8Array | null;
  /** Whether the search asked for lock sections (`foldLockSections`), and whether they are folded now: asked, and quiet words assumed. */
  private sectionsAsked = false;
  private foldingSections = false;
  /** Uncontended releases folded into the step of their section so far (for the coverage sentence). */
  foldedSections = 0;
  /** The trusted words whose contended path is replaced by blocking now (engine/blockingAcquires.ts); null: none. */
  private blocking: Uint8Array | null = null;
  /** Thread-local nodes whose held-back acquire was checked to be the blocking one (not a try-lock). */
  private readonly checkedAcquires = new Set<number>();

  private readonly threads: ThreadTable<Call, Result>;
  private readonly initialMem: Int32Array;
  private readonly initialEdges: Edge[];
  private readonly schedule = new ScheduleLog();
  private readonly log = new HistoryLog();
  private readonly judgeLink: JudgeLink<Call, Result>;
  private readonly disciplines: Disciplines | null;

  constructor(
    readonly subject: Subject<Call, Result>,
    readonly programs: readonly Program<Call>[],
    symmetric: boolean,
    historyKey?: HistoryKey<Call>,
    observer?: Observer<Call, Result>,
  ) {
    checkInterps(programs);
    this.n = programs.length;
    this.words = subject.words;
    this.mem = new Int32Array(this.words);
    this.node = new Int32Array(this.n);
    this.rank = new Int32Array(this.n);
    this.accessIndex = new Int32Array(this.n);
    this.interps = programs.map((p) => p.interp);
    this.symmetry = symmetric ? symmetryOf(subject, programs, observer) : null;
    this.symmetric = this.symmetry !== null;
    this.classMembers = this.symmetry?.classes ?? programs.map((_, t) => [t]);
    this.classOf = this.symmetry?.classOf ?? Int32Array.from(programs, (_, t) => t);
    this.snapshotWidth = this.words + 3 * this.n + 3;
    this.disciplines = Disciplines.of(subject as Subject<unknown, unknown>);
    this.judgeLink = new JudgeLink(observer);
    const sym = this.symmetry;
    this.threads = new ThreadTable(subject, programs, historyKey, sym === null ? () => 0 : (a) => sym.resultKind(a));
    this.initialMem = new Int32Array(this.words);
    subject.init?.(this.initialMem);
    this.initialEdges = programs.map((_, t) => this.threads.startEdge(t));
    if (sym !== null) verifyStart(sym, this.threads, this.initialEdges, this.interps);
    const threads = this.threads as ThreadTable<unknown, unknown>;
    const judgeLink = this.judgeLink as JudgeLink<unknown, unknown>;
    this.canonical = new Canonical({ mem: this.mem, node: this.node, rank: this.rank, interps: this.interps, threads, judgeLink }, sym, this.classMembers, this.classOf);
    this.canonicalThread = this.canonical.canonicalThread;
    this.view = stateView(this, programs, (t) => this.at(t));
    this.sections = wordMask(this.words, subject.sectionLocks);
    this.reset();
  }

  /** Whether the observer declares that invocations commute, and responses (Observer.eventsCommute). */
  get eventsCommute(): boolean {
    return this.judgeLink.observer?.eventsCommute === true;
  }

  /** Whether steps may fold several accesses (the Subject declares sharing disciplines). */
  get foldsAccesses(): boolean {
    return this.disciplines !== null;
  }

  /** The observer's current state (Hooks.observer), part of the state's identity; -1 after a rejection. */
  get judge(): number {
    return this.judgeLink.state;
  }

  /** Back to the initial state: memory as `init` left it, every thread before its first call. */
  reset(): void {
    this.disciplines?.clear();
    this.judgeLink.reset();
    this.mem.set(this.initialMem);
    this.rank.fill(0);
    this.accessIndex.fill(0);
    this.steps = 0;
    this.log.truncate(0);
    for (let t = 0; t < this.n; t++) {
      const e = this.initialEdges[t] as Edge;
      this.node[t] = e.to;
      if (e.done !== null) this.record(t, e.done);
    }
  }

  /** Thread t's current node. */
  private at(t: number): TNode {
    return this.threads.node(this.node[t] as number);
  }

  /** Whether thread t can take a step: not waiting, not done, and not held back at a trusted mutex that is held (blocking acquires). */
  isEnabled(t: number): boolean {
    if (this.rank[t] !== 0) return false;
    const nd = this.at(t);
    return nd.op !== FINISHED && (this.blocking === null || !this.heldBack(nd));
  }

  /** Whether the locker at nd waits at a held trusted mutex (blocking acquires); the first time at nd, checks that its cas is not a try-lock's. */
  private heldBack(nd: TNode): boolean {
    if (!blockedAcquire(this.blocking as Uint8Array, this.mem, nd.access)) return false;
    if (!this.checkedAcquires.has(nd.id)) {
      // the successor for "the word was 1", computed from the thread's generator, not run on memory
      const failed = this.threads.edge(nd, 1);
      checkSlowPath(nd.access as Access, failed.done === null ? this.threads.node(failed.to).access : null);
      this.checkedAcquires.add(nd.id);
    }
    return true;
  }

  isFinished(t: number): boolean {
    return this.at(t).op === FINISHED;
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
    this.footprint?.clear();
    const s = this.steps;
    this.schedule.put(s, t, this.node[t] as number, this.accessIndex[t] as number);
    if (this.accessIndex[t] === 0 && this.leadsIn()) {
      this.leadIn(t, s);
      if (this.leadInBlocked(t)) {
        this.steps = s + 1;
        return;
      }
    }
    const nd = this.at(t);
    const at = this.accessIndex[t] as number;
    if (nd.op === FINISHED) {
      this.steps = s + 1;
      return;
    }
    if (at === 0) this.invoked(t, nd, s);
    this.accessIndex[t] = at + 1;
    // Lock sections extend a step whose own access is a plain one (not a wait or a notify).
    let folds = false;
    let acquired = false;
    if (nd.op === AccessOp.wait) this.stepWait(t, nd, at, s);
    else if (nd.op === AccessOp.notify) this.stepNotify(t, nd, at, s);
    else {
      if (this.disciplines?.governs(nd.addr) === true) this.invisible(t, nd);
      folds = this.foldingSections;
      acquired = folds && this.sectionMove(nd.access as Access) === RIGHT;
      this.performAt(t, nd, at, s);
    }
    if (this.disciplines !== null || this.quiet !== null) this.runInvisible(t, s);
    if (folds) this.foldSection(t, s, acquired);
    this.steps = s + 1;
  }

  /** `wait(addr, v)`: returns not-equal at once if the word is not v, else the thread joins the FIFO. */
  private stepWait(t: number, nd: TNode, at: number, s: number): void {
    const access = nd.access as Access;
    this.footprint?.write(nd.addr);
    if (this.quiet !== null || this.touched !== null) this.watch(t, access);
    if (this.mem[nd.addr] !== access.a) {
      this.traced(t, nd, at, s, WaitResult.notEqual);
      return;
    }
    this.rank[t] = 1 + this.waitersOn(nd.addr);
    this.traceRows?.push({ step: s, thread: t, callIndex: nd.callIndex, accessIndex: at, access, value: null, returned: undefined });
  }

  /**
   * `notify(addr, count)`: wakes up to count waiters, returns how many woke. Folded (a notify of a
   * word no step waits on, engine/quietWords.ts), it commutes with every step: no footprint.
   */
  private stepNotify(t: number, nd: TNode, at: number, s: number, folded = false): void {
    const access = nd.access as Access;
    if (!folded) this.footprint?.write(nd.addr);
    if (this.quiet !== null || this.touched !== null) this.watch(t, access);
    const row: TraceRow | null = this.traceRows === null ? null : { step: s, thread: t, callIndex: nd.callIndex, accessIndex: at, access, value: 0, returned: undefined };
    if (row !== null) this.traceRows?.push(row);
    const woken = this.wake(nd.addr, access.a, s);
    if (row !== null) row.value = woken;
    this.advance(t, nd, woken, row);
  }

  /**
   * After a step, performs the thread's following *invisible* accesses at once, as part of the same
   * step: accesses that, by a sharing discipline the Subject declares and this machine checks, no
   * other interpreter can observe or influence (see Subject.discipline). Where they fall among the
   * other threads' steps changes nothing, so they need no scheduling point. Stops at the first
   * access that is a scheduling point (or that breaks the discipline: then the break is recorded).
   */
  private runInvisible(t: number, s: number): void {
    // Quiet accesses folded in this step: bounded, so that a loop on a stable word (a spin on a flag
    // nobody sets) still takes steps and meets maxSteps as the livelock it is.
    let quiet = 0;
    for (;;) {
      if (this.rank[t] !== 0) return;
      const nd = this.at(t);
      if (nd.op === FINISHED || nd.op === AccessOp.wait) return;
      const at = this.accessIndex[t] as number;
      if (nd.op === AccessOp.notify) {
        if (!(quiet++ < QUIET_FOLDS && this.quietAccess(t, nd, at))) return;
        this.accessIndex[t] = at + 1;
        this.stepNotify(t, nd, at, s, true);
        continue;
      }
      // With lead-ins a call's first access waits for its first visible one (leadIn), never moved earlier.
      if (at === 0 && this.leadsIn()) return;
      if (!this.invisible(t, nd) && !(quiet++ < QUIET_FOLDS && this.quietAccess(t, nd, at))) return;
      if (at === 0) this.invoked(t, nd, s);
      this.accessIndex[t] = at + 1;
      this.performAt(t, nd, at, s);
    }
  }

  /** Folds uncontended sections of the Subject's section locks into one step (README "Lock sections"), while quiet words are assumed. */
  foldLockSections(on: boolean): void {
    this.sectionsAsked = on && this.sections !== null;
    this.foldingSections = this.sectionsAsked && this.quiet !== null;
  }

  /** Whether this search folds lock sections (and the Subject declares some). */
  get foldsLockSections(): boolean {
    return this.foldingSections;
  }

  /** The section locks' names. */
  sectionLockNames(): string[] {
    return this.namesOf(this.subject.sectionLocks ?? []);
  }

  /** Words' names (Subject.wordNames, else "word i"). */
  namesOf(addrs: readonly number[]): string[] {
    const names = this.subject.wordNames?.() ?? {};
    const byAddr = new Map(Object.entries(names).map(([name, a]) => [a, name]));
    return addrs.map((a) => byAddr.get(a) ?? `word ${a}`);
  }

  /**
   * How access `a` moves in Lipton's sense, given memory: RIGHT for an uncontended acquire of a
   * section lock (the cas 0 → 1 that wins it), LEFT for an uncontended release (the fetch-sub that
   * finds it 1: nobody waits), 0 for anything else.
   */
  private sectionMove(a: Access): number {
    if ((this.sections as Uint8Array)[a.addr] !== 1) return 0;
    const v = this.mem[a.addr];
    if (a.op === AccessOp.cas && a.a === 0 && a.b === 1 && v === 0) return RIGHT;
    if (a.op === AccessOp.sub && a.a === 1 && a.b === 0 && v === 1) return LEFT;
    return 0;
  }

  /**
   * Lock sections (Lipton's reduction; README "Lock sections"): after the step's own access and the
   * invisible ones after it, the thread goes on in the same step as long as the accesses keep the
   * shape R* N L* with at most one R — after an uncontended acquire (the step's own access), one
   * further visible access, then uncontended releases — each followed by its invisible accesses.
   * It stops at a second acquire (so a lock-order deadlock's half-way state stays reachable), a
   * wait, a notify, and the end of the call.
   */
  private foldSection(t: number, s: number, acquired: boolean): void {
    let visibleLeft = acquired;
    for (;;) {
      if (this.rank[t] !== 0) return;
      const nd = this.at(t);
      if (nd.op === FINISHED || nd.op === AccessOp.wait || nd.op === AccessOp.notify) return;
      const at = this.accessIndex[t] as number;
      if (at === 0) return;
      const move = this.sectionMove(nd.access as Access);
      if (move === RIGHT || (move === 0 && !visibleLeft)) return;
      visibleLeft = false;
      if (move === LEFT) this.foldedSections++;
      else if (this.disciplines?.governs(nd.addr) === true) this.invisible(t, nd);
      this.accessIndex[t] = at + 1;
      this.performAt(t, nd, at, s);
      this.runInvisible(t, s);
    }
  }

  /**
   * Lead-ins (README): with quiet words and an observer whose events commute, a call's leading
   * invisible accesses join its first visible access's step, so its invocation moves later (more
   * real-time order), never earlier.
   */
  private leadsIn(): boolean {
    return this.quiet !== null && this.eventsCommute;
  }

  private leadIn(t: number, s: number): void {
    const call = this.at(t).callIndex;
    for (let k = 0; k < QUIET_FOLDS; k++) {
      const nd = this.at(t);
      if (nd.op === FINISHED || nd.op === AccessOp.wait || nd.op === AccessOp.notify || nd.callIndex !== call || this.rank[t] !== 0) return;
      const at = this.accessIndex[t] as number;
      if (!this.invisible(t, nd)) return;
      if (at === 0) this.invoked(t, nd, s);
      this.accessIndex[t] = at + 1;
      this.performAt(t, nd, at, s);
    }
  }

  /**
   * Blocking acquires (engine/blockingAcquires.ts) on the trusted mutex words marked in `mask` (a
   * subset of `trustedMutexes`), or none (null): a locker waits at its cas while the word is held.
   */
  blockAcquires(mask: Uint8Array | null): void {
    this.blocking = mask;
  }

  /** The trusted mutex words whose acquires block in this search (empty when none). */
  blockingMutexNames(): string[] {
    const mask = this.blocking;
    return mask === null ? [] : this.namesOf(Array.from({ length: this.words }, (_, a) => a).filter((a) => mask[a] === 1));
  }

  /**
   * After thread t's lead-in: whether it ended at the winning cas of a held trusted mutex, where the
   * locker waits (blocking acquires) — which ends the step. Whether it does depends on the lock word,
   * so the step reads it (sleep sets).
   */
  private leadInBlocked(t: number): boolean {
    const nd = this.at(t);
    if (this.blocking === null || this.accessIndex[t] === 0 || nd.access === null || this.blocking[nd.addr] !== 1) return false;
    this.footprint?.read(nd.addr);
    return this.heldBack(nd);
  }

  /** Whether thread t's pending access at nd (its `at`-th in the call) is quiet (engine/quietWords.ts). */
  private quietAccess(t: number, nd: TNode, at: number): boolean {
    return this.quiet !== null && at !== 0 && quietAccess(this.quiet, nd.access as Access, this.threadIdOf(t));
  }

  /** Assumes the words marked STABLE / QUIET_BITS quiet (null: none); an access that breaks it throws QuietnessBroken. */
  assumeQuiet(quiet: Int8Array | null): void {
    this.quiet = quiet;
    this.canonical.omitStable(quiet === null ? null : quiet.map((q) => q & STABLE));
    this.foldingSections = this.sectionsAsked && quiet !== null;
  }

  /** Width of `key()` in int32s (words assumed stable are not keyed: set `assumeQuiet` first). */
  get keyWidth(): number {
    return this.canonical.keyWidth;
  }

  /** Marks in `into` what every access does to its word (null: stop). */
  recordAccesses(into: Uint8Array | null): void {
    this.touched = into;
  }

  /** Whether the word has the self-bits discipline. */
  selfBits(addr: number): boolean {
    return this.disciplines?.isSelfBits(addr) === true;
  }

  /** Before thread t performs access a: records it for the pre-pass; throws if it breaks an assumed quietness. */
  private watch(t: number, a: Access): void {
    watchAccess(this.quiet, this.touched, a, this.threadIdOf(t));
  }

  /**
   * Performs thread t's pending plain access nd (its `at`-th in the call) as part of step s: watched
   * for quiet words, traced and advanced past, and — on a trusted mutex word while acquires block —
   * checked as a release (engine/blockingAcquires.ts `checkRelease`).
   */
  private performAt(t: number, nd: TNode, at: number, s: number): void {
    const access = nd.access as Access;
    if (this.quiet !== null || this.touched !== null) this.watch(t, access);
    const trusted = this.blocking !== null && this.blocking[nd.addr] === 1;
    const before = trusted ? (this.mem[nd.addr] as number) : 0;
    this.traced(t, nd, at, s, this.perform(access));
    if (trusted) checkRelease(this.mem, access, before, this.at(t).access);
  }

  /** Performs a non-blocking access on memory (under symmetry, first checks it commutes with renaming). */
  private perform(access: Access): number {
    this.symmetry?.checkEffect(access, this.mem[access.addr] as number);
    if (this.footprint !== null) {
      if (access.op === AccessOp.load) this.footprint.read(access.addr);
      else this.footprint.write(access.addr);
    }
    return performPlain(this.mem, access);
  }

  /** Whether thread t's pending access is invisible under its word's discipline (a break is recorded). */
  private invisible(t: number, nd: TNode): boolean {
    const d = this.disciplines;
    if (d === null || !d.governs(nd.addr)) return false;
    // the check reads the word and (for a word whose accesses or writes a mutex protects) its mutex's owner word
    this.footprint?.read(nd.addr);
    const owner = d.ownerOf(nd.addr);
    if (owner >= 0) this.footprint?.read(owner);
    this.blamed = t;
    this.blamedCall = nd.callIndex;
    return d.invisible(nd.access as Access, this.threadIdOf(t), this.mem, this.who);
  }

  /** Who did an access `invisible` judged, for a discipline break's message (one closure, not one per access). */
  private blamed = 0;
  private blamedCall = 0;
  private readonly who = (what: string): string => {
    const program = this.programs[this.blamed] as Program<Call>;
    return `${describeThread(threadOf(program))} did ${what} during ${callText(this.subject.describeCall, program.calls[this.blamedCall] as Call)}`;
  };

  /** Advances thread t past its access with `value`, first appending a trace row when tracing. */
  private traced(t: number, nd: TNode, accessIndex: number, step: number, value: number): void {
    let row: TraceRow | null = null;
    if (this.traceRows !== null) {
      row = { step, thread: t, callIndex: nd.callIndex, accessIndex, access: nd.access as Access, value, returned: undefined };
      this.traceRows.push(row);
    }
    this.advance(t, nd, value, row);
  }

  /** The protection claim's first violation since the last call, if any (and forgets it). */
  takeGuardViolation(): string | null {
    return this.disciplines === null ? null : this.disciplines.take();
  }

  /** Writes the whole state (memory, nodes, ranks, step count, history length) into `out` at `at`. */
  save(out: Int32Array, at: number): void {
    const w = this.words;
    const n = this.n;
    out.set(this.mem, at);
    out.set(this.node, at + w);
    out.set(this.rank, at + w + n);
    out.set(this.accessIndex, at + w + 2 * n);
    out[at + w + 3 * n] = this.steps;
    out[at + w + 3 * n + 1] = this.log.length;
    out[at + w + 3 * n + 2] = this.judgeLink.state;
  }

  /** Restores a state written by `save`. */
  restore(from: Int32Array, at: number): void {
    this.disciplines?.clear();
    const w = this.words;
    const n = this.n;
    for (let i = 0; i < w; i++) this.mem[i] = from[at + i] as number;
    for (let t = 0; t < n; t++) {
      this.node[t] = from[at + w + t] as number;
      this.rank[t] = from[at + w + n + t] as number;
      this.accessIndex[t] = from[at + w + 2 * n + t] as number;
    }
    this.steps = from[at + w + 3 * n] as number;
    this.log.truncate(from[at + w + 3 * n + 1] as number);
    this.judgeLink.state = from[at + w + 3 * n + 2] as number;
  }

  /**
   * Writes the state renamed by permutation `pi` of the symmetry group as a `save` snapshot: thread
   * t's position moved to thread π(t) (as π(t)'s own node), the declared words and the judge's
   * state renamed. Every renaming of a state must have the state's key (the canonicity test).
   */
  saveRenamed(pi: number, out: Int32Array, at: number): void {
    const sym = this.symmetry;
    if (sym === null) throw new Error("saveRenamed needs a symmetric machine");
    const p = sym.perms[pi] as Perm;
    const w = this.words;
    const n = this.n;
    this.save(out, at);
    for (let a = 0; a < w; a++) out[at + a] = sym.renameValue(sym.kindOf(a), this.mem[a] as number, p);
    for (let t = 0; t < n; t++) {
      const u = p.thread[t] as number;
      out[at + w + u] = sym.image(this.threads, this.at(t), pi, this.interps);
      out[at + w + n + u] = this.rank[t] as number;
      out[at + w + 2 * n + u] = this.accessIndex[t] as number;
    }
    out[at + w + 3 * n + 2] = this.judgeLink.rename(this.judgeLink.state, pi, sym.perms.length, p.interp);
  }

  /**
   * The state's identity for a visited set: memory words, one code per thread (node id and wait
   * rank), the judge's state; under symmetry, the canonical representative of the state's orbit
   * (engine/canonical.ts). Returns a scratch array overwritten by the next call; sets `canonicalThread`.
   */
  key(): Int32Array {
    return this.canonical.key();
  }

  /** How symmetry canonicalises states, for the coverage sentence (null: no symmetry). */
  symmetryMethod(): string | null {
    return this.canonical.symmetryMethod();
  }

  /** Under sorted symmetry: whether an earlier thread of t's class is in the very same position (same successor up to symmetry). */
  shadowed(t: number): boolean {
    return this.canonical.shadowed(t);
  }

  /** Thread t's position: (call index, access index) of its next access. */
  position(t: number): { callIndex: number; accessIndex: number } {
    return { callIndex: this.at(t).callIndex, accessIndex: this.accessIndex[t] as number };
  }

  /** The pending access of thread t, or null when its program is done. */
  pending(t: number): Access | null {
    return this.at(t).access;
  }

  /** The schedule so far as (thread, call index, access index) per step. */
  scheduleSoFar(): { thread: number; callIndex: number; accessIndex: number }[] {
    const out: { thread: number; callIndex: number; accessIndex: number }[] = [];
    for (let s = 0; s < this.steps; s++) {
      out.push({ thread: this.schedule.threadAt(s), callIndex: this.threads.node(this.schedule.nodeAt(s)).callIndex, accessIndex: this.schedule.accessAt(s) });
    }
    return out;
  }

  /** The thread that took step s of the current execution. */
  threadAt(s: number): number {
    return this.schedule.threadAt(s);
  }

  /** The history of the current execution (pending calls have a null response). */
  history(): CallRecord<Call, Result>[] {
    return this.log.records(this.subject, this.programs);
  }

  /** Describes thread t for deadlock and mismatch messages. */
  describeThread(t: number): string {
    const program = this.programs[t] as Program<Call>;
    const nd = this.at(t);
    if (nd.op === FINISHED) return `${describeThread(threadOf(program))}: done`;
    const text = callText(this.subject.describeCall, program.calls[nd.callIndex] as Call);
    // a blocked thread has performed its wait already; name the wait's own index
    const blocked = this.rank[t] !== 0;
    const index = (this.accessIndex[t] as number) - (blocked ? 1 : 0);
    return `${describeThread(threadOf(program))} at call ${nd.callIndex} (${text}), access ${index}: ${blocked ? "blocked in" : "about to"} ${describeAccess(nd.access)}`;
  }

  /** The thread-local nodes node `id` has stepped to so far (its memoised edges; properties/explorer/ampleBound.ts). */
  successors(id: number): number[] {
    return [...this.threads.node(id).edges.values()].map((e) => e.to);
  }

  /** Thread-local nodes built so far (a measure of how much generator work was memoised). */
  nodeCount(): number {
    return this.threads.size;
  }

  /** The observer's rejection since the last call, if any (and forgets it). */
  takeJudgeViolation(): Violation | null {
    return this.judgeLink.take();
  }

  /** At a deadlock: whether the observer accepts that every pending call blocks. */
  judgeBlocked(): Violation | undefined {
    return this.judgeLink.blocked();
  }

  // ---- internals ----------------------------------------------------------------------------

  private advance(t: number, nd: TNode, value: number, row: TraceRow | null): void {
    const e = this.threads.edge(nd, value);
    if (this.symmetry !== null && !e.verified) this.symmetry.verify(this.threads, nd, value, e, this.interps);
    this.node[t] = e.to;
    if (e.done === null) return;
    this.accessIndex[t] = 0;
    this.record(t, e.done, nd.carry, nd);
    if (row !== null) row.returned = (e.done[e.done.length - 1] as Completion).result;
  }

  /** Calls that returned enter the history and the judge (each with the carry it started with). */
  private record(t: number, done: readonly Completion[], carryIn: readonly number[] = [], from?: TNode): void {
    const s = this.steps;
    let carry = carryIn;
    if (this.footprint !== null) for (const c of done) this.footprint.events |= c.accessless ? INVOKED | RESPONDED : RESPONDED;
    for (const c of done) {
      if (c.accessless) this.log.push(t, c.callIndex, s, undefined, false);
      this.log.push(t, c.callIndex, s, c.result, true);
      if (!this.judgeLink.active) continue;
      const interp = this.threadIdOf(t);
      const call = from !== undefined && c.callIndex === from.callIndex ? this.callOf(t, from) : this.resolvedCall(t, c.callIndex, carry);
      if (this.footprint !== null && this.judgeLink.observer?.ordered?.(call) === true) this.footprint.events |= ORDERED;
      if (c.accessless) this.judgeLink.invoke(interp, call);
      this.judgeLink.respond(interp, call, c.result as Result);
      if (this.subject.after) carry = this.subject.after(interp, call, c.result as Result, carry);
    }
  }

  /** A call's first access is performed: its invocation enters the history (and the judge). */
  private invoked(t: number, nd: TNode, step: number): void {
    if (this.footprint !== null) this.footprint.events |= INVOKED;
    this.log.push(t, nd.callIndex, step, undefined, false);
    if (!this.judgeLink.active) return;
    const call = this.callOf(t, nd);
    if (this.footprint !== null && this.judgeLink.observer?.ordered?.(call) === true) this.footprint.events |= ORDERED;
    this.judgeLink.invoke(this.threadIdOf(t), call);
  }

  /**
   * The resolved call of thread t at node nd: a node fixes the call and its carry, so the resolution
   * is computed once per node (and is the same object every time, which lets an observer key on it)
   * when the node belongs to one thread only.
   */
  private callOf(t: number, nd: TNode): Call {
    if (nd.resolved !== undefined) return nd.resolved as Call;
    const call = this.resolvedCall(t, nd.callIndex, nd.carry);
    nd.resolved = call;
    return call;
  }

  private resolvedCall(t: number, callIndex: number, carry: readonly number[]): Call {
    const call = (this.programs[t] as Program<Call>).calls[callIndex] as Call;
    return this.subject.resolve ? this.subject.resolve(this.threadIdOf(t), call, carry) : call;
  }

  private waitersOn(addr: number): number {
    let count = 0;
    for (let u = 0; u < this.n; u++) if (this.rank[u] !== 0 && this.at(u).addr === addr) count++;
    return count;
  }

  /** Wakes up to `count` waiters on addr in FIFO order; returns how many woke. */
  private wake(addr: number, count: number, step: number): number {
    const woken = Math.min(Math.max(count, 0), this.waitersOn(addr));
    if (woken === 0) return 0;
    for (let u = 0; u < this.n; u++) {
      const r = this.rank[u] as number;
      if (r === 0) continue;
      const nd = this.at(u);
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

  /** The id of the thread running program t (D18): what the subject and the judge are told. */
  private threadIdOf(t: number): number {
    return threadOf(this.programs[t] as Program<Call>);
  }
}

/** Most quiet accesses one step folds (engine/quietWords.ts). */
const QUIET_FOLDS = 8;
/** Per word, 1 for each of `addrs` (section locks, trusted mutexes); null when there are none. */
export function wordMask(words: number, addrs: readonly number[] | undefined): Uint8Array | null {
  if (addrs === undefined || addrs.length === 0) return null;
  const mask = new Uint8Array(words);
  for (const a of addrs) mask[a] = 1;
  return mask;
}

/** Lipton movers of a section lock's accesses (Machine.sectionMove). */
const RIGHT = 1;
const LEFT = 2;
