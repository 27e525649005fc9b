/**
 * Mutants of the named runtime-global locks (impl/global_lock.ts, Eric Snow's
 * `PyThread_EnsureGlobalLock` / `GetGlobalLock` / `ReleaseGlobalLock` sketch).
 */
import { userBit, decodeIndex, encodeIndex, err, interpOf, ok, refTo, threadId, withThreads, type Def, type GlobalLockCall, type ModelConfig, type Name, type Result } from "../../model/index.js";
import { SlotState } from "../layout.js";
import { load, notify, store, sub, testBits, type Code } from "../memory.js";
import { global_lock, GlobalLock } from "../global_lock.js";
import type { Resolution } from "../registry.js";
import { mutantName, widen, type Mutant } from "./mutant.js";

type Ensure = Extract<GlobalLockCall, { _tag: "PyThread_EnsureGlobalLock" }>;
type Acquire = Extract<GlobalLockCall, { _tag: "PyThread_acquire_lock" }>;

const henv = refTo("odbc", "henv");
const ensure: GlobalLockCall = { _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" };
const acquire: GlobalLockCall = { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: henv };
const releaseLock: GlobalLockCall = { _tag: "PyThread_release_lock", def: "odbc", name: "henv", index: henv };

/**
 * Ensure looks the name up under one hold of the runtime lock and allocates under another: two
 * interpreters can both find nothing and each allocate a lock for the same (def, name).
 */
export class EnsureLookupThenAllocate extends GlobalLock {
  override *PyThread_EnsureGlobalLock(interp: number, c: Ensure): Code<Result> {
    yield* this.lockRuntime(interp);
    for (let slot = 0; slot < this.layout.capacity; slot++) {
      const s = this.layout.slot(slot);
      if ((yield load(s.state)) !== SlotState.live || !(yield* this.holds(s, c.def, c.name))) continue;
      yield* this.addRef(slot, userBit(interp, c.instance));
      const index = encodeIndex(slot, yield load(s.gen));
      yield* this.unlockRuntime(interp);
      return ok(index);
    }
    // The mutation: the lock is dropped between "not there" and "create it".
    yield* this.unlockRuntime(interp);
    yield* this.lockRuntime(interp);
    for (let slot = 0; slot < this.layout.capacity; slot++) {
      const s = this.layout.slot(slot);
      if ((yield load(s.state)) === SlotState.live) continue;
      yield* this.allocate(slot, c.def, c.name, userBit(interp, c.instance));
      const index = encodeIndex(slot, yield load(s.gen));
      yield* this.unlockRuntime(interp);
      return ok(index);
    }
    yield* this.unlockRuntime(interp);
    return err("CapacityExhausted");
  }
}

/** Index resolution without the generation check: a stale index reaches a reused slot (ABA). */
export class NoGenerationCheck extends GlobalLock {
  override *resolve(index: number, user: number, def?: Def, name?: Name): Code<Resolution> {
    const at = decodeIndex(index);
    if (at === undefined || at.slot >= this.layout.capacity) return { error: "StaleIndex" };
    const s = this.layout.slot(at.slot);
    // The mutation: only "is the slot live", not "is it live in the index's generation".
    if ((yield load(s.state)) !== SlotState.live) return { error: "StaleIndex" };
    if (def !== undefined && name !== undefined && !(yield* this.holds(s, def, name))) return { error: "NameMismatch" };
    if ((yield testBits(s.refs, user)) === 0) return { error: "NotEnsured" };
    return { slot: at.slot };
  }
}

/** Ensures counted per interpreter: a module instance's release drops every instance of its interpreter. */
export class EnsureCountedPerInterpreter extends GlobalLock {
  override *dropRef(slot: number, users: number): Code<boolean> {
    // The mutation: each user bit is widened to both instances of its interpreter.
    const pairs = users | ((users & 0x5555) << 1) | ((users & 0xaaaa) >>> 1);
    return yield* super.dropRef(slot, pairs);
  }
}

/**
 * The entry's PyMutex_Unlock checks only that the mutex is locked, not that the caller is the one
 * holding it (the old `PyThread_type_lock`'s "anyone may release").
 */
export class UnlockByNonHolder extends GlobalLock {
  override *releaseEntry(slot: number, _interp: number): Code<boolean> {
    const m = this.layout.slot(slot).mutex;
    // The mutation: `owner == me` replaced by `locked at all`.
    if ((yield load(m.lock)) === 0) return false;
    yield store(m.owner, 0);
    if ((yield sub(m.lock, 1)) !== 1) {
      yield store(m.lock, 0);
      yield notify(m.lock, 1);
    }
    return true;
  }
  /** It now clears an owner word holding another interpreter's id: no "owner" claim on the entries' mutexes. */
  override ownerWords(): readonly number[] {
    const entries = new Set(Array.from({ length: this.layout.capacity }, (_, slot) => this.layout.slot(slot).mutex.owner));
    return super.ownerWords().filter((w) => !entries.has(w));
  }
}

/**
 * PyThread_acquire_lock blocks on the entry's lock while still holding the runtime lock, the
 * reverse of the order everyone else takes them in (entry lock held, runtime lock wanted).
 */
export class AcquireUnderRuntimeLock extends GlobalLock {
  override *PyThread_acquire_lock(interp: number, c: Acquire): Code<Result> {
    yield* this.lockRuntime(interp);
    const r = yield* this.resolve(c.index, userBit(interp, c.instance), c.def, c.name);
    if ("error" in r) {
      yield* this.unlockRuntime(interp);
      return err(r.error);
    }
    // The mutation: the runtime lock is released after, not before, blocking on the entry.
    const acquired = yield* this.acquireEntry(r.slot, interp);
    yield* this.unlockRuntime(interp);
    return acquired ? ok(0) : err("Reentrant");
  }
}

/**
 * Py_FinalizeEx ends only the main interpreter: the subinterpreters it should end first
 * (`finalize_subinterpreters()`, D3) are marked dead with their ensures still counted.
 */
export class FinalizeForgetsSubinterpreters extends GlobalLock {
  // The mutation: no Py_EndInterpreter for the live subinterpreters.
  protected override *endSubinterpretersForFinalize(): Code<void> {}
}

/**
 * The lock's owner word stores the caller's *interpreter* id, not its thread id (D18): a second
 * thread of the holder's interpreter passes for the holder — its acquire is "re-entry", its
 * release and its library call are the holder's. The owner words keep no "owner" discipline here:
 * the mutant writes an id that is not the writer's.
 */
export class OwnerIsTheInterpreter extends GlobalLock {
  override *acquireEntry(slot: number, thread: number): Code<boolean> {
    return yield* super.acquireEntry(slot, interpOf(thread));
  }
  override *releaseEntry(slot: number, thread: number): Code<boolean> {
    return yield* super.releaseEntry(slot, interpOf(thread));
  }
  override ownerWords(): readonly number[] {
    return [this.rt.lock.owner];
  }
}

const subject = (id: string, make: (config: ModelConfig) => GlobalLock) => (config: ModelConfig) =>
  widen(global_lock(config, make(config), mutantName("global_lock", id)));

export const globalLockMutants: readonly Mutant[] = [
  {
    id: "ensure-counted-per-interpreter",
    family: "global_lock",
    hazard:
      "Counting per interpreter, not per module instance: CPython lets one interpreter hold several module objects of one def, and instance A's release frees the lock instance B still uses (P3 is stated per module instance).",
    property: "P3",
    description: "PyThread_ReleaseGlobalLock by one module instance drops the ensures of every instance of its interpreter.",
    subject: subject("ensure-counted-per-interpreter", (c) => new EnsureCountedPerInterpreter(c)),
    programs: [
      [
        ensure,
        { ...ensure, instance: 2 },
        { _tag: "PyThread_ReleaseGlobalLock", def: "odbc", name: "henv", index: henv },
        { _tag: "PyThread_GetGlobalLock", def: "odbc", name: "henv", index: henv, instance: 2 },
      ],
    ],
    expected: { via: "model", properties: ["P3"] },
  },
  {
    id: "ensure-lookup-then-allocate",
    family: "global_lock",
    hazard:
      "The lock-creation race: two interpreters importing the same extension both see \"no lock yet\" and each allocate one — two locks for one resource (\"a runtime-global lock must guard the creation of other global locks\").",
    property: "P1",
    description: "PyThread_EnsureGlobalLock releases the runtime lock between its lookup of (def, name) and its allocation of a new entry.",
    subject: subject("ensure-lookup-then-allocate", (c) => new EnsureLookupThenAllocate(c)),
    programs: [[ensure], [ensure]],
    expected: { via: "model", properties: ["P1"] },
  },
  {
    id: "no-generation-check",
    family: "global_lock",
    hazard:
      "Stale handles: an index released and re-created resolves to the reused registry slot (ABA), although `GetGlobalLock` is meant to verify \"the matching module and lock name\" precisely so an old holder cannot reach the new resource.",
    property: "P8",
    description: "Index resolution checks that the slot is live and holds (def, name) but not that its generation matches the index's.",
    subject: subject("no-generation-check", (c) => new NoGenerationCheck(c)),
    programs: [
      [
        ensure,
        { _tag: "PyThread_ReleaseGlobalLock", def: "odbc", name: "henv", index: henv },
        ensure,
        // the index the first ensure returned (slot 0, generation 0), kept past its release
        { _tag: "PyThread_GetGlobalLock", def: "odbc", name: "henv", index: encodeIndex(0, 0) },
      ],
    ],
    expected: { via: "model", properties: ["P8"] },
  },
  {
    id: "unlock-by-non-holder",
    family: "global_lock",
    hazard:
      "Unlock of the mutex by an interpreter that does not hold it, accepted: B releases the lock A holds around the thread-unsafe library, and a third caller gets in beside A.",
    property: "P9",
    description: "The entry's PyMutex_Unlock checks that the mutex is locked instead of that the caller holds it.",
    subject: subject("unlock-by-non-holder", (c) => new UnlockByNonHolder(c)),
    programs: [[ensure, acquire], [ensure, releaseLock]],
    expected: { via: "model", properties: ["P9"] },
  },
  {
    id: "acquire-under-runtime-lock",
    family: "global_lock",
    hazard:
      "Lock-order inversion between the runtime lock and a per-def lock: B waits for A's lock while holding the runtime lock, and A needs the runtime lock to release it (deadlock).",
    property: "P6",
    description: "PyThread_acquire_lock blocks on the entry's mutex while still holding the runtime lock it resolved the index under.",
    subject: subject("acquire-under-runtime-lock", (c) => new AcquireUnderRuntimeLock(c)),
    programs: [[ensure, acquire, releaseLock], [ensure, acquire]],
    expected: { via: "deadlock", properties: ["P6"] },
  },
  {
    id: "owner-is-the-interpreter",
    family: "global_lock",
    hazard:
      "Threads are not interpreters: while thread 1 of an interpreter holds the lock around the thread-unsafe library (ODBC calls run under Py_BEGIN_ALLOW_THREADS, PyMutex_Lock detaches while parked), thread 2 of the same interpreter must block, not pass for the holder.",
    property: "P9",
    description: "The entry's mutex records the holder's interpreter id instead of its thread id, so a sibling thread's acquire is refused as re-entry instead of blocking.",
    subject: subject("owner-is-the-interpreter", (c) => new OwnerIsTheInterpreter(c)),
    programs: withThreads([[ensure, acquire], [ensure, acquire]], [1, threadId(1, 2)]),
    expected: { via: "model", properties: ["P9"] },
  },
  {
    id: "finalize-forgets-subinterpreters",
    family: "global_lock",
    hazard:
      "Runtime finalisation with counts still > 0: CPython 3.13+'s Py_FinalizeEx ends every remaining subinterpreter (finalize_subinterpreters(), \"remaining subinterpreters; destroy them with _interpreters.destroy()\"); a runtime that only ends the main one leaves their locks live for finalisation to reclaim.",
    property: "P7",
    description: "Py_FinalizeEx skips ending the live subinterpreters, so their ensures are still counted when it frees the registry.",
    subject: subject("finalize-forgets-subinterpreters", (c) => new FinalizeForgetsSubinterpreters(c)),
    programs: [[{ _tag: "Py_FinalizeEx" }], [ensure]],
    expected: { via: "model", properties: ["P7"] },
  },
];
