/**
 * Mutants of the refcounted lock with setup/teardown (impl/refcounted_lock.ts, Petr Viktorin's
 * `lock_was_just_allocated` / `lock_was_just_freed` sketch).
 */
import { defs, err, interpOf, ok, threadId, withThreads, type Def, type ErrorCode, type ModelConfig, type RefcountedLockCall, type Result } from "../../model/index.js";
import type { LifecycleOp } from "../../model/lifecycle.js";
import { load, store, type Code } from "../memory.js";
import type { LockObject, MutexAt } from "../layout.js";
import { refcounted_lock, RefcountedLock } from "../refcounted_lock.js";
import { lockOrDie, unlockOrDie, type EndBlocker } from "../runtime.js";
import { claimsWithout, mutantName, widen, type Mutant } from "./mutant.js";

type ImportOp = Extract<LifecycleOp, { op: "import" }>;

const modInit = (def: Def = "odbc"): RefcountedLockCall => ({ _tag: "mod_init", def, setupFails: false });

/**
 * mod_init as the sketch literally reads: `if (lock_was_just_allocated) setup_global_state();`
 * run right after the allocation, outside the lock; later callers take the lock, count themselves
 * and go on to use the global state while the first is still setting it up.
 */
export class SetupOutsideLock extends RefcountedLock {
  override *importModule(interp: number, o: ImportOp): Code<Result> {
    const d = this.block(o.def);
    if (yield* this.isImporter(o.def, interp)) return err("AlreadyImported");
    yield* this.lockRuntime(interp);
    const justAllocated = (yield load(d.lockRef as number)) === 0;
    const object = yield* this.takeReference(o.def);
    yield* this.unlockRuntime(interp);
    // The mutation: setup decided by "I allocated the lock" and run before taking it.
    if (justAllocated) {
      const failed = yield* this.globalInit(interp, o);
      if (failed !== undefined) {
        yield* this.closeClientLock(o.def, interp);
        return err(failed);
      }
    }
    yield* lockOrDie(object.mutex, interp, `${o.def}'s lock object`);
    yield* lockOrDie(d.inner, interp, `${o.def}'s lifecycle lock`);
    yield* this.countUp(o.def, interp);
    yield* unlockOrDie(d.inner, interp, `${o.def}'s lifecycle lock`);
    yield* unlockOrDie(object.mutex, interp, `${o.def}'s lock object`);
    return ok(justAllocated ? 1 : 0);
  }
  /** Setup now writes PHASE and EPOCH without the lock. */
  override protections(): ReadonlyMap<number, number> {
    return claimsWithout(super.protections(), defs.flatMap((def) => [this.block(def).phase, this.block(def).epoch]));
  }
  /** Setup now writes the handle without the lock. */
  override writeProtections(): ReadonlyMap<number, number> {
    return claimsWithout(super.writeProtections(), defs.map((def) => this.block(def).handle));
  }
}

/** Teardown by every unloader, not only the last: `lock_was_just_freed` ignored. */
export class TeardownByFirstUnloader extends RefcountedLock {
  override *release(def: Def, interp: number): Code<boolean> {
    // The mutation: the count left is not looked at.
    yield* this.countDown(def, interp);
    yield* this.globalExit(def);
    return true;
  }
}

/**
 * Py_FinalizeEx does not wait for an interpreter inside the extension (holding the lock): it ends
 * it under its critical section, and the lock object it held is freed while locked.
 */
export class FinalizeIgnoresHeldLock extends RefcountedLock {
  // The mutation: nobody's lock is ever "held" as far as the finaliser asks.
  protected override *heldClientLock(): Code<EndBlocker | undefined> {
    return undefined;
  }
}

/**
 * The last reference frees the lock object but leaves the extension's static `my_lock` (LOCKREF)
 * pointing at it, as the sketch's `static PyThread_type_lock my_lock;` reads if nothing clears it:
 * the next mod_init of the def increfs and locks a freed object — by then, perhaps, another def's.
 */
export class FreeKeepsLockPointer extends RefcountedLock {
  override *freeLock(_def: Def, o: LockObject): Code<void> {
    // The mutation: LOCKREF is not cleared, so it dangles.
    yield store(o.live, 0);
  }
}

/**
 * The refcounted lock records the holder's *interpreter* id, not its thread id (D18): a second
 * thread of the holder's interpreter passes for the holder. Its owner words keep no "owner"
 * discipline here: the mutant writes an id that is not the writer's.
 */
export class RefcountedOwnerIsTheInterpreter extends RefcountedLock {
  override *lockClientMutex(m: MutexAt, thread: number): Code<"acquired" | "reentrant"> {
    return yield* super.lockClientMutex(m, interpOf(thread));
  }
  override *unlockClientMutex(m: MutexAt, thread: number): Code<ErrorCode | undefined> {
    return yield* super.unlockClientMutex(m, interpOf(thread));
  }
  override *mayCallLibrary(m: MutexAt, thread: number): Code<boolean> {
    return yield* super.mayCallLibrary(m, interpOf(thread));
  }
  override ownerWords(): readonly number[] {
    const objects = new Set(this.layout.pool.map((o) => o.mutex.owner));
    return super.ownerWords().filter((w) => !objects.has(w));
  }
}

const subject = (id: string, make: (config: ModelConfig) => RefcountedLock) => (config: ModelConfig) =>
  widen(refcounted_lock(config, make(config), mutantName("refcounted_lock", id)));

export const refcountedLockMutants: readonly Mutant[] = [
  {
    id: "refcounted-owner-is-the-interpreter",
    family: "refcounted_lock",
    hazard:
      "Threads are not interpreters: while thread 1 of an interpreter holds the lock around the thread-unsafe library, thread 2 of the same interpreter must block on it (PyMutex_Lock detaches while parked; free-threaded builds serialise nothing), not pass for the holder.",
    property: "P9",
    description: "The lock object's mutex records the holder's interpreter id instead of its thread id, so a sibling thread's acquire is refused as re-entry instead of blocking.",
    subject: subject("refcounted-owner-is-the-interpreter", (c) => new RefcountedOwnerIsTheInterpreter(c)),
    programs: withThreads([[modInit(), { _tag: "PyThread_acquire_lock", def: "odbc" }], [{ _tag: "PyThread_acquire_lock", def: "odbc" }]], [1, threadId(1, 2)]),
    expected: { via: "model", properties: ["P9"] },
  },
  {
    id: "setup-outside-lock",
    family: "refcounted_lock",
    hazard:
      "Half-set-up state: setup run after \"just allocated\" but outside the lock, so another interpreter uses the global state before setup finished (Petr: \"it needs more locking … to ensure setup_global_state and teardown_global_state are still protected by the lock\").",
    property: "P1",
    description: "mod_init runs setup_global_state when it allocated the lock object, before acquiring that lock; other callers count themselves without waiting for it.",
    subject: subject("setup-outside-lock", (c) => new SetupOutsideLock(c)),
    // the user is interp 1 so that the exhaustive search's first schedules (interp 1 first whenever
    // it can move) run it while interp 2 is inside setup; 1-minimal either way round.
    programs: [[modInit(), { _tag: "use_global_state", def: "odbc" }], [modInit()]],
    expected: { via: "model", properties: ["P2"] },
  },
  {
    id: "teardown-by-first-unloader",
    family: "refcounted_lock",
    hazard:
      "Teardown by the first unloader instead of the last: when A unloads it frees the ODBC `henv` that B still uses.",
    property: "P2",
    description: "mod_free's release runs teardown_global_state on every unload, whatever count is left.",
    subject: subject("teardown-by-first-unloader", (c) => new TeardownByFirstUnloader(c)),
    programs: [[modInit(), { _tag: "mod_free", def: "odbc" }], [modInit()]],
    expected: { via: "model", properties: ["P2", "P1"] },
  },
  {
    id: "finalize-ignores-held-lock",
    family: "refcounted_lock",
    hazard:
      "Finalising an interpreter inside the extension: Py_FinalizeEx first waits for the threads still running (wait_for_thread_shutdown) and finalize_subinterpreters() asserts none it ends is running; one that ends a subinterpreter holding the lock frees that lock object mid-critical-section.",
    property: "P7",
    description: "Py_FinalizeEx does not check whether anybody holds a client lock before it ends the subinterpreters.",
    subject: subject("finalize-ignores-held-lock", (c) => new FinalizeIgnoresHeldLock(c)),
    programs: [[{ _tag: "Py_FinalizeEx" }], [modInit(), { _tag: "PyThread_acquire_lock", def: "odbc" }]],
    expected: { via: "model", properties: ["P7"] },
  },
  {
    id: "free-keeps-lock-pointer",
    family: "refcounted_lock",
    hazard:
      "The dangling static: Petr's `static PyThread_type_lock my_lock;` (thread l.74) still points at the lock object after the last mod_free freed it (\"mod_free() { if (lock_was_just_freed) {\"), and the next mod_init uses it — here the freed object was already re-allocated as another def's lock.",
    property: "P8",
    description: "Freeing the lock object on the last reference leaves the def's LOCKREF (my_lock) pointing at it.",
    subject: subject("free-keeps-lock-pointer", (c) => new FreeKeepsLockPointer(c)),
    programs: [[modInit(), { _tag: "mod_free", def: "odbc" }, modInit("mylib"), { _tag: "PyThread_acquire_lock", def: "mylib" }, modInit()]],
    expected: { via: "model", properties: ["P6"] },
  },
];
