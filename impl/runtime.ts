/**
 * The runtime every family runs inside: the gate every call passes, interpreter creation and
 * finalisation, runtime finalisation and re-initialisation — the implementation of
 * model/common.ts `gate` and of the runtime calls each model shares.
 *
 * A family is a subclass of `Runtime`. Each step of the algorithm is a generator method, so a
 * *mutant* — a deliberately broken variant — is a subclass that overrides one named step
 * (`class extends GlobalLock { override *dropRef(...) {...} }`) and inherits everything else.
 *
 * Synchronisation of the runtime calls:
 *   - Every call passes the gate (FINALIZED, then ALIVE) under the runtime lock, which
 *     Py_FinalizeEx and Py_Initialize hold while they write both.
 *   - A family call passes the gate (FINALIZED, then ALIVE) and sets its interpreter's BUSY bit
 *     under the runtime lock, and clears the bit when it returns. Py_FinalizeEx holds the runtime
 *     lock (in the world lock) while it finds no subinterpreter BUSY, so no call can start in a
 *     subinterpreter it is ending, and none is half-way through one.
 *   - Py_NewInterpreter and Py_Initialize run under the runtime lock; Py_EndInterpreter and
 *     Py_FinalizeEx under the family's *world* lock (every lock the end of an interpreter must hold
 *     to let go of its resources atomically, the runtime lock last), so a finalisation never
 *     races an interpreter being created, and the release of everything an interpreter holds is
 *     one indivisible step to every other interpreter, as the model's End is.
 *   - Py_FinalizeEx (D3, CPython 3.13+ `finalize_subinterpreters()`) waits — futex wait with no
 *     lock held — while a subinterpreter has a call in flight (BUSY) or anybody holds a client lock
 *     (an interpreter inside an extension function, the model's `busy`), then ends every live
 *     subinterpreter as Py_EndInterpreter would, then the main one. A Py_EndInterpreter that was
 *     waiting meanwhile re-checks the gate once it holds the world: its interpreter may be gone.
 */
import {
  allAlive,
  bit,
  err,
  interpOf,
  threadId,
  ok,
  resolveCall,
  runtimeCallTags,
  updateCarry,
  type AnyCall,
  type ErrorCode,
  type ModelConfig,
  type Result,
} from "../model/index.js";
import { readWords, type MutexAt, type RuntimeLayout, type WordNames } from "./layout.js";
import { clearBits, load, loopEnter, loopHead, notify, setBits, store, testBits, testEquals, wait, type Code } from "./memory.js";
import { PyMutex_Lock, PyMutex_Unlock } from "./pymutex.js";
import type { Discipline, InterpWords, Subject } from "./subject.js";

/** A word and the value it holds while ending an interpreter must wait (futex wait on it). */
export interface EndBlocker {
  readonly addr: number;
  readonly value: number;
}

/** The `count` of a notify that wakes every waiter. */
export const WAKE_ALL = 0x7fffffff;

const MAIN = 1;

/** The BUSY bits of every thread of interpreter `interp` that a config can have (BUSY is per thread, D18). */
function threadBitsOf(interp: number, threads: number): number {
  let bits = 0;
  for (let k = 1; k <= threads; k++) bits |= bit(threadId(interp, k));
  return bits;
}

/** The runtime calls; every other call is the family's own and runs with its interpreter BUSY. */
const runtimeTags: ReadonlySet<string> = new Set(runtimeCallTags);


/** Acquires a mutex that can never be re-entered by correct code (the runtime lock, a lifecycle lock). */
export function* lockOrDie(m: MutexAt, interp: number, what: string): Code<void> {
  if ((yield* PyMutex_Lock(m.lock, m.owner, interp)) === "reentrant") {
    throw new Error(`interp ${interp} re-entered ${what}: the implementation broke its own lock order`);
  }
}

/** Releases a mutex the caller must hold. */
export function* unlockOrDie(m: MutexAt, interp: number, what: string): Code<void> {
  if (!(yield* PyMutex_Unlock(m.lock, m.owner, interp))) {
    throw new Error(`interp ${interp} released ${what} without holding it`);
  }
}

/**
 * A family's implementation over the runtime. Subclasses provide the family's calls and what
 * ending an interpreter and finalising the runtime mean for its resources.
 *
 * Who calls (D18): every `interp` parameter of a call's code is the calling *thread's* id (model
 * `threadId`: thread 1 of interpreter i is i, so one thread per interpreter reads as before).
 * What belongs to a thread is keyed by it — a mutex owner word holds the holder thread's id, and
 * BUSY has a bit per thread — and what belongs to an interpreter by `interpOf(interp)`: ALIVE,
 * ensures (`userBit`), module instances (importers), interpreter-owned values.
 */
export abstract class Runtime<Call extends { readonly _tag: string }> {
  constructor(
    readonly config: ModelConfig,
    readonly rt: RuntimeLayout,
  ) {}

  /** Size of the family's shared memory in words. */
  abstract readonly words: number;

  /** The family's own calls (everything but the runtime calls), after the gate let them through. */
  protected abstract familyCall(interp: number, call: Call): Code<Result>;

  /** Takes every lock needed to end an interpreter atomically, in the global lock order. */
  protected abstract lockWorld(interp: number): Code<void>;
  protected abstract unlockWorld(interp: number): Code<void>;

  /**
   * With the world locked: let go of everything `interp` holds (model: the family's endInterpreter).
   * `idle`: Py_FinalizeEx made sure nobody holds a client lock, so there is nothing to abandon —
   * and the finaliser, another interpreter, may not ask a mutex whether `interp` owns it.
   */
  protected abstract endEffects(interp: number, idle?: boolean): Code<void>;

  /** With the world locked, after the main interpreter ended: count leaks and free what is left. */
  protected abstract finalizeEffects(): Code<void>;

  /** Every named word of the family's memory (impl/layout.ts names them): name → address. */
  abstract wordNames(): WordNames;

  /**
   * Writes the words that do not start at zero, other than the alive mask (which whoever starts the
   * runtime sets). interlock's own families start zeroed; an adapter around another implementation
   * runs that implementation's own initialisation here.
   */
  initMemory(_mem: Int32Array): void {}

  private named: WordNames | undefined;
  /** The named words' values, for the judge (ghost counters) and reports. */
  decode(mem: Int32Array): Record<string, number> {
    this.named ??= this.wordNames();
    return readWords(this.named, mem);
  }

  /**
   * Lock-protected words and the owner word of the mutex protecting each: words this
   * implementation only ever touches while holding that mutex (see Subject.discipline).
   */
  protections(): ReadonlyMap<number, number> {
    return new Map();
  }

  /**
   * Words written only while holding a mutex but read with or without it, and the owner word of
   * that mutex: the holder's reads need no scheduling point (see Subject.discipline). Disjoint from
   * `protections`, whose words are not even read without the mutex.
   */
  writeProtections(): ReadonlyMap<number, number> {
    // ALIVE and FINALIZED change only in runtime calls, under the runtime lock (or the world lock,
    // which ends with it); the gate reads them under it, an embedding application without it.
    return new Map([
      [this.rt.alive, this.rt.lock.owner],
      [this.rt.finalized, this.rt.lock.owner],
    ]);
  }

  /** Every mutex's owner word (PyMutex owner words follow the "owner" discipline). */
  ownerWords(): readonly number[] {
    return [this.rt.lock.owner];
  }

  /**
   * The lock words of the runtime's own PyMutexes that are held only inside one call
   * (Subject.sectionLocks): the runtime lock — but not when a variant takes it with code of its
   * own, since the explorer folds a section only on the premise that the lock is impl/pymutex.ts's.
   */
  sectionLocks(): readonly number[] {
    return keepsMethods(this, Runtime.prototype, ["lockRuntime", "unlockRuntime"]) ? [this.rt.lock.lock] : [];
  }

  /**
   * The lock words of the PyMutexes this implementation takes and releases only with
   * impl/pymutex.ts's code (Subject.trustedMutexes): the section locks, and in a family with a
   * client lock, that lock's words while the family's own lock and unlock code is unchanged.
   */
  trustedMutexes(): readonly number[] {
    return this.sectionLocks();
  }

  /** Bitmasks in which each interpreter changes only its own bit. */
  selfBitWords(): readonly number[] {
    return [];
  }

  /** Bitmasks with one bit per interpreter (for the explorer's symmetry); by default the self-bit ones. */
  maskWords(): readonly number[] {
    return this.selfBitWords();
  }

  /**
   * Words holding interpreter identities (see Subject.interpWords): every mutex owner word, and the
   * alive mask with every self-bit mask. Subclasses add the words of their own that hold ids.
   */
  interpWords(): InterpWords {
    return { ids: [...this.ownerWords()], masks: [this.rt.alive, this.rt.busy, ...this.maskWords()] };
  }

  /** The sharing discipline of each word that has one (see Subject.discipline). */
  disciplines(): ReadonlyMap<number, Discipline> {
    const rules = new Map<number, Discipline>();
    for (const [addr, owner] of this.protections()) rules.set(addr, { protectedBy: owner });
    for (const [addr, owner] of this.writeProtections()) {
      if (rules.has(addr)) throw new Error(`internal: word ${addr} is declared both lock-protected and write-protected`);
      rules.set(addr, { writesProtectedBy: owner });
    }
    for (const addr of this.ownerWords()) rules.set(addr, "owner");
    for (const addr of [this.rt.busy, ...this.selfBitWords()]) rules.set(addr, "self-bits");
    return rules;
  }

  /** The implementation of one call by `interp` (its references already resolved). */
  *call(interp: number, call: Call): Code<Result> {
    if (call._tag === "Py_NewInterpreter") return yield* this.Py_NewInterpreter(interp);
    if (!runtimeTags.has(call._tag)) return yield* this.busyCall(interp, call);
    // Under the runtime lock: Py_FinalizeEx and Py_Initialize write FINALIZED and ALIVE under it,
    // so the gate never sees one without the other.
    yield* this.lockRuntime(interp);
    const denied = yield* this.gate(interp, call._tag);
    yield* this.unlockRuntime(interp);
    if (denied !== undefined) return err(denied);
    switch (call._tag) {
      case "Py_EndInterpreter":
        return yield* this.Py_EndInterpreter(interp);
      case "Py_FinalizeEx":
        return yield* this.Py_FinalizeEx(interp);
      case "Py_Initialize":
        return yield* this.Py_Initialize(interp);
      default:
        return yield* this.familyCall(interp, call);
    }
  }

  /** A family call: gate and BUSY bit under the runtime lock, the call, then BUSY cleared (D3). */
  *busyCall(interp: number, call: Call): Code<Result> {
    yield* this.lockRuntime(interp);
    const denied = yield* this.gate(interp, call._tag);
    if (denied === undefined) yield setBits(this.rt.busy, bit(interp));
    yield* this.unlockRuntime(interp);
    if (denied !== undefined) return err(denied);
    const result = yield* this.familyCall(interp, call);
    yield clearBits(this.rt.busy, bit(interp));
    yield notify(this.rt.busy, WAKE_ALL);
    return result;
  }

  /** model/common.ts `gate`, over shared memory: FINALIZED first, then ALIVE (of the thread's interpreter). */
  *gate(thread: number, tag: string): Code<ErrorCode | undefined> {
    const interp = interpOf(thread);
    if ((yield testEquals(this.rt.finalized, 0)) === 0) {
      if (tag !== "Py_Initialize") return "RuntimeFinalized";
      return interp === MAIN ? undefined : "NotMainInterpreter";
    }
    if (tag === "Py_Initialize") return "RuntimeInitialized";
    const alive = (yield testBits(this.rt.alive, bit(interp))) === 1;
    if (tag === "Py_NewInterpreter") return alive ? "InterpreterAlive" : undefined;
    if (!alive) return "InterpreterFinalized";
    if (tag === "Py_FinalizeEx" && interp !== MAIN) return "NotMainInterpreter";
    if (tag === "Py_EndInterpreter" && interp === MAIN) return "MainInterpreter";
    return undefined;
  }

  *lockRuntime(interp: number): Code<void> {
    yield* lockOrDie(this.rt.lock, interp, "the runtime lock");
  }

  *unlockRuntime(interp: number): Code<void> {
    yield* unlockOrDie(this.rt.lock, interp, "the runtime lock");
  }

  /** Under the runtime lock, so that it cannot slip past a Py_FinalizeEx that saw it dead. */
  *Py_NewInterpreter(interp: number): Code<Result> {
    yield* this.lockRuntime(interp);
    const denied = yield* this.gate(interp, "Py_NewInterpreter");
    if (denied === undefined) yield setBits(this.rt.alive, bit(interpOf(interp)));
    yield* this.unlockRuntime(interp);
    return denied === undefined ? ok(0) : err(denied);
  }

  /**
   * With the world locked: a word ending the interpreter of thread `interp` must wait on first, or
   * undefined when it can end now: its other threads (D18, below); in the shipped baseline also
   * the extension's PyMutex, which its m_free locks (D14).
   */
  protected *endBlocker(interp: number): Code<EndBlocker | undefined> {
    return yield* this.siblingBlocker(interp);
  }

  /**
   * D18: `Py_EndInterpreter` first waits for the interpreter's other threads
   * (`wait_for_thread_shutdown`): one with a call in flight (its BUSY bit), or one holding an
   * owner-tracking client lock (`lockHeldBySibling`). Only the sibling threads `config.threads`
   * allows are looked at, so a config with one thread per interpreter makes no access here.
   */
  protected *siblingBlocker(thread: number): Code<EndBlocker | undefined> {
    const siblings = threadBitsOf(interpOf(thread), this.config.threads ?? 1) & ~bit(thread);
    if (siblings === 0) return undefined;
    const busy = yield load(this.rt.busy);
    if ((busy & siblings) !== 0) return { addr: this.rt.busy, value: busy };
    return yield* this.lockHeldBySibling(thread);
  }

  /** The sibling thread ids of `thread` that `config.threads` allows (D18). */
  protected siblingsOf(thread: number): number[] {
    const out: number[] = [];
    for (let k = 1; k <= (this.config.threads ?? 1); k++) if (threadId(interpOf(thread), k) !== thread) out.push(threadId(interpOf(thread), k));
    return out;
  }

  /**
   * With the world locked: an owner-tracking client lock another thread of `thread`'s interpreter
   * holds, marked "maybe waiters" so its release notifies, or undefined. Families whose client locks
   * have owners override it; asking an owner word about a sibling is a scheduling point (D18).
   */
  protected *lockHeldBySibling(_thread: number): Code<EndBlocker | undefined> {
    return undefined;
  }

  /** Locks the world once nothing is left that ending `interp` must wait for. */
  *lockWorldToEnd(interp: number): Code<void> {
    yield loopEnter(this.rt.finalized);
    for (;;) {
      // Each round starts afresh: nothing from an earlier round is used later.
      yield loopHead(this.rt.finalized, 0);
      yield* this.lockWorld(interp);
      const blocker = yield* this.endBlocker(interp);
      if (blocker === undefined) break;
      yield* this.unlockWorld(interp);
      yield wait(blocker.addr, blocker.value);
      // The wake-up may have been meant for a locker of the same word: pass it on.
      yield notify(blocker.addr, 1);
    }
    // Distinct from the loop's head (0): after the loop the code goes on to end the interpreter.
    yield loopHead(this.rt.finalized, 1);
  }

  *Py_EndInterpreter(interp: number): Code<Result> {
    yield* this.lockWorldToEnd(interp);
    // A Py_FinalizeEx may have ended this interpreter while it waited (D3).
    const denied = yield* this.gate(interp, "Py_EndInterpreter");
    if (denied !== undefined) {
      yield* this.unlockWorld(interp);
      return err(denied);
    }
    yield* this.endEffects(interp);
    yield* this.markEnded(interp);
    yield* this.unlockWorld(interp);
    return ok(0);
  }

  /** Clears the interpreter's ALIVE bit and wakes a Py_FinalizeEx waiting for it. */
  *markEnded(interp: number): Code<void> {
    yield clearBits(this.rt.alive, bit(interpOf(interp)));
    yield notify(this.rt.alive, WAKE_ALL);
  }

  /**
   * With the world locked: a client lock somebody holds (an interpreter inside an extension
   * function), marked "maybe waiters" so its unlock notifies, or undefined. Py_FinalizeEx waits
   * for it (model: the family's `busy`, D3). Families with client locks override it.
   */
  protected *heldClientLock(): Code<EndBlocker | undefined> {
    return undefined;
  }

  /**
   * Waits while a subinterpreter has a call in flight or a client lock is held, then ends every
   * live subinterpreter (CPython 3.13+ `finalize_subinterpreters()`), then the main one, and frees
   * everything (D3).
   */
  *Py_FinalizeEx(thread: number = MAIN): Code<Result> {
    // Every other thread's call in flight is waited for: a subinterpreter's (D3) and, with several
    // threads per interpreter, one of the main interpreter's own (wait_for_thread_shutdown, D18).
    const others = ~bit(thread);
    yield loopEnter(this.rt.busy);
    for (;;) {
      // Each round starts afresh: nothing from an earlier round is used later.
      yield loopHead(this.rt.busy, 0);
      yield* this.lockWorld(thread);
      const busy = yield load(this.rt.busy);
      if ((busy & others) !== 0) {
        yield* this.unlockWorld(thread);
        yield wait(this.rt.busy, busy);
        continue;
      }
      const blocker = yield* this.heldClientLock();
      if (blocker === undefined) break;
      yield* this.unlockWorld(thread);
      yield wait(blocker.addr, blocker.value);
      yield notify(blocker.addr, 1);
    }
    yield* this.endSubinterpretersForFinalize();
    yield* this.endMainForFinalize(thread);
    yield* this.finalizeEffects();
    yield store(this.rt.finalized, 1);
    yield store(this.rt.alive, 0);
    yield* this.unlockWorld(thread);
    return ok(0);
  }

  /** Py_FinalizeEx ends each live subinterpreter as Py_EndInterpreter would (its own step, so a variant can change just it). */
  protected *endSubinterpretersForFinalize(): Code<void> {
    const alive = yield load(this.rt.alive);
    for (let i = 2; i <= this.config.interpreters; i++) if (alive & bit(i)) yield* this.endEffects(i, true);
  }

  /** Py_FinalizeEx's ending of the main interpreter (its own step, so a variant can change just it). */
  protected *endMainForFinalize(thread: number = MAIN): Code<void> {
    yield* this.endEffects(thread);
  }

  /** Brings every interpreter back: ALIVE is written before FINALIZED is cleared (see the gate). */
  *Py_Initialize(interp: number): Code<Result> {
    yield* this.lockRuntime(interp);
    yield store(this.rt.alive, allAlive(this.config));
    yield store(this.rt.finalized, 0);
    yield* this.unlockRuntime(interp);
    return ok(0);
  }
}

/**
 * The Subject of a family implementation: memory starts as C statics (zero) with every interpreter
 * alive; a call's carried references are resolved with model/carry.ts before it runs, and the carry
 * after it is model/carry.ts `updateCarry`.
 */
export function subjectOf<Call extends { readonly _tag: string }>(
  name: string,
  impl: Runtime<Call>,
  describe: (interp: number, call: Call) => string,
): Subject<Call, Result> {
  const resolve = (call: Call, carry: readonly number[]): Call => resolveCall(call as unknown as AnyCall, carry) as unknown as Call;
  return {
    name,
    words: impl.words,
    init(mem) {
      mem[impl.rt.alive] = allAlive(impl.config);
    },
    resolve: (_interp, call, carry) => resolve(call, carry),
    start: (interp, call, carry) => impl.call(interp, resolve(call, carry)),
    after: (_interp, call, result, carry) => updateCarry(call as unknown as AnyCall, result, carry),
    decode: (mem) => impl.decode(mem),
    wordNames: () => impl.wordNames(),
    discipline: (() => {
      const rules = impl.disciplines();
      return (addr: number) => rules.get(addr);
    })(),
    interpWords: impl.interpWords(),
    sectionLocks: impl.sectionLocks(),
    trustedMutexes: impl.trustedMutexes(),
    treatsMainApart: (call) => runtimeTags.has(call._tag),
    describeCall: (call) => describe(0, call).replace(/ in interp 0$/, ""),
  };
}

/**
 * Whether `impl` runs `proto`'s own code for each named method — a variant (a mutant) that overrides
 * one runs code of its own, which the explorer's lock reductions must not trust.
 */
export function keepsMethods<T extends object>(impl: T, proto: T, names: readonly (keyof T)[]): boolean {
  return names.every((name) => impl[name] === proto[name]);
}
