/**
 * Named runtime-global locks (`PyThread_EnsureGlobalLock` / `GetGlobalLock` / `ReleaseGlobalLock`,
 * `PyThread_acquire_lock` / `PyThread_release_lock`) over shared memory: the implementation of
 * model/global_lock.ts.
 *
 * Each registry entry carries its own PyMutex and the CALLS counter of the thread-unsafe library
 * it protects. Ensure, get and release of an ensure run entirely under the runtime lock. Acquire
 * resolves the index under the runtime lock, RELEASES it, then blocks on the entry's own mutex —
 * never blocking while holding the runtime lock; the caller's own ensure keeps the entry alive
 * while it waits. Lock order: an entry's mutex is never held while taking the runtime lock by a
 * blocking acquire, and the runtime lock's holder never blocks (it only *releases* entry mutexes,
 * when an ending interpreter lets go of what it held).
 */
import { err, globalLockModel, interpOf, userBit, userBitsOf, ok, type GlobalLockCall, type ModelConfig, type Result, type RuntimeCall } from "../model/index.js";
import { globalLockLayout, registryWordNames, type LockPayloadFields, type WordNames } from "./layout.js";
import { cas, increment, load, store, testEquals, type Code } from "./memory.js";
import { PyMutex_Lock, PyMutex_Unlock, PyMutexState } from "./pymutex.js";
import { Registry } from "./registry.js";
import { keepsMethods, subjectOf, type EndBlocker } from "./runtime.js";
import type { Subject } from "./subject.js";

type FamilyCall = Exclude<GlobalLockCall, RuntimeCall>;

export class GlobalLock extends Registry<GlobalLockCall, LockPayloadFields> {
  constructor(config: ModelConfig) {
    super(config, globalLockLayout(config));
  }

  protected *familyCall(interp: number, call: GlobalLockCall): Code<Result> {
    const c = call as FamilyCall;
    switch (c._tag) {
      case "PyThread_EnsureGlobalLock":
        return yield* this.PyThread_EnsureGlobalLock(interp, c);
      case "PyThread_GetGlobalLock":
        return yield* this.PyThread_GetGlobalLock(interp, c);
      case "PyThread_ReleaseGlobalLock":
        return yield* this.PyThread_ReleaseGlobalLock(interp, c);
      case "PyThread_acquire_lock":
        return yield* this.PyThread_acquire_lock(interp, c);
      case "PyThread_release_lock":
        return yield* this.PyThread_release_lock(interp, c);
      case "call_unsafe_library":
        return yield* this.call_unsafe_library(interp, c);
    }
  }

  *PyThread_EnsureGlobalLock(interp: number, c: Extract<FamilyCall, { _tag: "PyThread_EnsureGlobalLock" }>): Code<Result> {
    return yield* this.underRuntimeLock(interp, this.ensureEntry(c.def, c.name, userBit(interpOf(interp), c.instance)));
  }

  *PyThread_GetGlobalLock(interp: number, c: Extract<FamilyCall, { _tag: "PyThread_GetGlobalLock" }>): Code<Result> {
    const r = yield* this.underRuntimeLock(interp, this.resolve(c.index, userBit(interpOf(interp), c.instance), c.def, c.name));
    return "error" in r ? err(r.error) : ok(c.index);
  }

  *PyThread_ReleaseGlobalLock(interp: number, c: Extract<FamilyCall, { _tag: "PyThread_ReleaseGlobalLock" }>): Code<Result> {
    yield* this.lockRuntime(interp);
    const r = yield* this.resolve(c.index, userBit(interpOf(interp), c.instance), c.def, c.name);
    let result = ok(0);
    if ("error" in r) result = err(r.error);
    else if (yield* this.heldByInterpreterOf(r.slot, interp)) result = err("LockHeld");
    else yield* this.dropRef(r.slot, userBit(interpOf(interp), c.instance));
    yield* this.unlockRuntime(interp);
    return result;
  }

  *PyThread_acquire_lock(interp: number, c: Extract<FamilyCall, { _tag: "PyThread_acquire_lock" }>): Code<Result> {
    const r = yield* this.underRuntimeLock(interp, this.resolve(c.index, userBit(interpOf(interp), c.instance), c.def, c.name));
    if ("error" in r) return err(r.error);
    return (yield* this.acquireEntry(r.slot, interp)) ? ok(0) : err("Reentrant");
  }

  *PyThread_release_lock(interp: number, c: Extract<FamilyCall, { _tag: "PyThread_release_lock" }>): Code<Result> {
    const r = yield* this.underRuntimeLock(interp, this.resolve(c.index, userBit(interpOf(interp), c.instance), c.def, c.name));
    if ("error" in r) return err(r.error);
    return (yield* this.releaseEntry(r.slot, interp)) ? ok(0) : err("NotHeld");
  }

  /** The client's critical section: a deliberately NON-atomic load-then-store of CALLS, so a broken lock loses updates. */
  *call_unsafe_library(interp: number, c: Extract<FamilyCall, { _tag: "call_unsafe_library" }>): Code<Result> {
    const r = yield* this.underRuntimeLock(interp, this.resolve(c.index, userBit(interpOf(interp), c.instance), c.def, c.name));
    if ("error" in r) return err(r.error);
    const s = this.layout.slot(r.slot);
    if ((yield testEquals(s.mutex.owner, interp)) === 0) return err("NotHeld");
    const calls = (yield load(s.calls)) + 1;
    yield store(s.calls, calls);
    return ok(calls);
  }

  /** Blocks on the entry's own mutex (no other lock held). False: the caller already holds it. */
  *acquireEntry(slot: number, interp: number): Code<boolean> {
    const m = this.layout.slot(slot).mutex;
    return (yield* PyMutex_Lock(m.lock, m.owner, interp)) === "acquired";
  }

  /** Releases the entry's mutex, waking a waiter. False: the caller does not hold it. */
  *releaseEntry(slot: number, interp: number): Code<boolean> {
    const m = this.layout.slot(slot).mutex;
    return yield* PyMutex_Unlock(m.lock, m.owner, interp);
  }

  /** An ending interpreter lets go of a lock it holds (abandoned) and drops its ensure. */
  protected *endEntry(slot: number, interp: number, idle = false): Code<void> {
    const s = this.layout.slot(slot);
    if (((yield load(s.refs)) & userBitsOf(interpOf(interp))) === 0) return;
    if (!idle && (yield testEquals(s.mutex.owner, interp)) === 1) {
      yield* this.releaseEntry(slot, interp);
      yield increment(this.rt.abandoned, 1);
    }
    yield* this.dropRef(slot, userBitsOf(interpOf(interp)));
  }

  /**
   * Whether the caller or another thread of its interpreter holds the slot's lock: the ensure is
   * the interpreter's, so none of its threads may be holding the lock when it goes (D18). The
   * caller asks about itself first; siblings exist only with `config.threads > 1`.
   */
  *heldByInterpreterOf(slot: number, thread: number): Code<boolean> {
    const owner = this.layout.slot(slot).mutex.owner;
    if ((yield testEquals(owner, thread)) === 1) return true;
    for (const sibling of this.siblingsOf(thread)) if ((yield testEquals(owner, sibling)) === 1) return true;
    return false;
  }

  /** With the world locked: a lock another thread of `thread`'s interpreter holds (D18), marked so its release notifies. */
  protected override *lockHeldBySibling(thread: number): Code<EndBlocker | undefined> {
    for (let slot = 0; slot < this.layout.capacity; slot++) {
      const m = this.layout.slot(slot).mutex;
      for (const sibling of this.siblingsOf(thread)) {
        if ((yield testEquals(m.owner, sibling)) === 0) continue;
        if ((yield cas(m.lock, PyMutexState.locked, PyMutexState.lockedWithWaiters)) !== PyMutexState.unlocked) {
          return { addr: m.lock, value: PyMutexState.lockedWithWaiters };
        }
      }
    }
    return undefined;
  }

  /** With the world locked: a lock somebody holds, marked so its release notifies (Py_FinalizeEx waits, D3). */
  protected override *heldClientLock(): Code<EndBlocker | undefined> {
    for (let slot = 0; slot < this.layout.capacity; slot++) {
      const m = this.layout.slot(slot).mutex;
      if ((yield cas(m.lock, PyMutexState.locked, PyMutexState.lockedWithWaiters)) !== PyMutexState.unlocked) {
        return { addr: m.lock, value: PyMutexState.lockedWithWaiters };
      }
    }
    return undefined;
  }

  /** The runtime lock, and every entry's mutex while acquireEntry and releaseEntry are PyMutex_Lock and PyMutex_Unlock (this class's). */
  override trustedMutexes(): readonly number[] {
    const entries = keepsMethods<GlobalLock>(this, GlobalLock.prototype, ["acquireEntry", "releaseEntry"]);
    return [...super.trustedMutexes(), ...(entries ? Array.from({ length: this.layout.capacity }, (_, slot) => this.layout.slot(slot).mutex.lock) : [])];
  }

  override ownerWords(): readonly number[] {
    const words = [...super.ownerWords()];
    for (let slot = 0; slot < this.layout.capacity; slot++) words.push(this.layout.slot(slot).mutex.owner);
    return words;
  }

  wordNames(): WordNames {
    return registryWordNames(this.layout, (p) => ({ lock: p.mutex.lock, lockOwner: p.mutex.owner, calls: p.calls }));
  }
}

/**
 * The named-lock family as a Subject. A variant (a mutant) passes its own subclass instance and
 * name: `global_lock(config, new NoGenerationCheck(config), "global_lock/mutant:no-generation-check")`.
 */
export function global_lock(config: ModelConfig, impl: GlobalLock = new GlobalLock(config), name = "global_lock"): Subject<GlobalLockCall, Result> {
  return subjectOf(name, impl, globalLockModel.describeCall);
}
