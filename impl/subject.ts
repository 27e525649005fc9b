import type { Code } from "./memory.js";

/**
 * A Subject is an implementation of one API family as the explorer and the stress runner see it:
 * a block of shared memory and, for each API call an interpreter makes, the implementation code
 * that performs it.
 *
 * `Call` and `Result` are the family's vocabulary (see `model/`). A call may refer to values the
 * same interpreter received earlier (the index an earlier `PyThread_EnsureGlobalLock` returned);
 * those live in the interpreter's *carry*: a short array of int32 that `after` computes from each
 * completed call. The carry is part of a thread's state (the explorer hashes it), so a Subject
 * must keep nothing else between calls: all state that outlives a call is in shared memory or in
 * the carry.
 */
export interface Subject<Call, Result> {
  /** Human name, e.g. "module_slots" or "module_slots/mutant:unlocked-check-then-act". */
  readonly name: string;
  /** Size of shared memory in int32 words. Memory starts zeroed (C statics), then `init` runs. */
  readonly words: number;
  /** Writes the initial contents of shared memory, if zero is not the initial state. */
  init?(mem: Int32Array): void;
  /**
   * The call as it is actually made, with references to carried values filled in (an index of -1
   * means "the index this interpreter last received for that (def, name)"). Histories record the
   * resolved call. Defaults to the call unchanged.
   */
  resolve?(interp: number, call: Call, carry: readonly number[]): Call;
  /** The implementation code of one API call made by interpreter `interp` (1-based). */
  start(interp: number, call: Call, carry: readonly number[]): Code<Result>;
  /** The carry after `call` returned `result`; defaults to leaving the carry unchanged. */
  after?(interp: number, call: Call, result: Result, carry: readonly number[]): readonly number[];
  /**
   * How a word is shared, where the implementation follows a discipline the explorer can use to
   * skip scheduling points that cannot change any outcome — the reductions C's data-race freedom
   * allows. The explorer *checks the discipline at every access* and reports a break as a violation
   * (P9), so a wrong declaration or a racy access can never hide an interleaving. Undefined: an
   * ordinary shared word, every access a scheduling point.
   */
  discipline?(addr: number): Discipline | undefined;
  /**
   * Which words hold interpreter identities: an interpreter id (0 for none), or a bit mask with bit
   * i−1 for interpreter i. With it the explorer's symmetry reduction can rename interpreters that
   * run identical programs — permuting those words' contents together with the threads — instead of
   * giving up at the first owner word. The explorer *verifies* the renaming on every transition it
   * takes (the renamed interpreter must do the renamed access and return the same result) and
   * searches without symmetry if it fails, so an incomplete list costs the reduction, not soundness.
   */
  readonly interpWords?: InterpWords;
  /**
   * The calls whose code or model tell interpreter 1 (the main interpreter) apart from the others
   * (runtime calls: only main may finalise, main cannot be ended). When no program makes one, the
   * explorer's symmetry may rename interpreter 1 too. Undefined: every call may.
   */
  treatsMainApart?(call: Call): boolean;
  /**
   * Lock words of PyMutexes (impl/pymutex.ts's futex protocol: cas 0 → 1 wins it, fetch-sub 1 finding
   * 1 releases it with nobody waiting) that are held only inside one call — the runtime lock, a def's
   * lifecycle lock. The explorer may run an uncontended section of one as a single step (Lipton's
   * reduction: properties/explorer/README.md "Lock sections"). That trusts the mutex itself, so
   * declare only locks taken with impl/pymutex.ts's own code; the accesses inside a section are
   * still checked like any other.
   */
  readonly sectionLocks?: readonly number[];
  /**
   * Lock words of PyMutexes taken and released only with impl/pymutex.ts's code (a section lock, or
   * a client lock held across calls). The explorer may let a locker wait at the `cas(word, 0 → 1)`
   * that wins such a word while it is held, instead of exploring the futex slow path
   * (properties/explorer/README.md "Blocking acquires"): exact for a mutex with mutual exclusion and
   * no lost wake-up, which is trusted. What is checked: that a held-back cas would go on to the slow
   * path (not a try-lock), and every release for what a lost wake-up would need. Declare only words
   * whose lock and unlock are impl/pymutex.ts's own.
   */
  readonly trustedMutexes?: readonly number[];
  /** Shared memory decoded into named fields (the ghost counters the judge compares, `ghost.*`). */
  decode?(mem: Int32Array): Record<string, number>;
  /**
   * The Subject's named words: name → address (impl/layout.ts names interlock's own). Reports and
   * counterexamples show these words by name, and only these; a word without one is "word i".
   */
  wordNames?(): Readonly<Record<string, number>>;
  /** The call as a line a CPython developer reads, e.g. `Py_mod_global_init(odbc)`. */
  describeCall?(call: Call): string;
}

/**
 * Sharing disciplines (see Subject.discipline):
 *   - `{ protectedBy: ownerWord }`: every access happens while holding the PyMutex whose owner word
 *     is `ownerWord`; such accesses are performed without a scheduling point.
 *   - `{ writesProtectedBy: ownerWord }`: every *write* happens while holding the PyMutex whose
 *     owner word is `ownerWord`, and reads happen with or without it (a refcount's LOCKREF, a
 *     module's handle). A read by the holder has one possible answer — nobody else may write the
 *     word meanwhile, and reads commute with reads — and needs no scheduling point; the holder's
 *     writes and the reads of others stay scheduling points; a write without the mutex is a break.
 *   - `"owner"`: a mutex's owner word. An interpreter only stores its own id into it (after winning
 *     the lock) or 0 over its own id (before releasing), and only ever asks "is it me?"
 *     (`testEquals(word, self)`), so both are invisible to everyone else and need no scheduling point.
 *   - `"self-bits"`: a bitmask in which bit i−1 changes only by interpreter i's own writes; asking
 *     for one's own bit (`testBits(word, bit(self))`) then has one possible answer whatever the
 *     others do, and needs no scheduling point. Writes stay scheduling points.
 */
export type Discipline = { readonly protectedBy: number } | { readonly writesProtectedBy: number } | "owner" | "self-bits";

/** Words holding interpreter identities (see Subject.interpWords). */
export interface InterpWords {
  /** Words holding an interpreter id or 0 (mutex owner words, a value's owning interpreter). */
  readonly ids: readonly number[];
  /** Words holding a bit mask, bit i−1 for interpreter i (alive, importers). */
  readonly masks: readonly number[];
  /**
   * Words holding a mask with a block of `bitsPerInterp` bits per interpreter, bits
   * (i−1)·bitsPerInterp … for interpreter i (ensure references per module instance).
   */
  readonly wideMasks?: { readonly words: readonly number[]; readonly bitsPerInterp: number };
}

/**
 * A Program is the sequence of calls one thread makes (D18). `interp` is the interpreter the
 * thread runs in; `thread` its thread id (model `threadId`: thread k of interpreter i is
 * i + 8·(k − 1)), absent for thread 1, whose id is the interpreter's. The subject's `start`,
 * `resolve` and `after` receive the thread id: a lock's holder is a thread, while ensures and
 * module state belong to `interpOf(thread)`.
 */
export interface Program<Call> {
  readonly interp: number;
  readonly thread?: number;
  readonly calls: readonly Call[];
}

/** The id of the thread running a program (the subject's `interp` argument): its interpreter's for thread 1. */
export { threadOf } from "../model/thread.js";
