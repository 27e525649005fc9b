/**
 * Refcounted lock with setup/teardown (Petr Viktorin's sketch: `lock_was_just_allocated` /
 * `lock_was_just_freed`) over shared memory: the implementation of model/refcounted_lock.ts.
 *
 * Faithful to the sketch, the lock is allocated dynamically: `static PyThread_type_lock my_lock`
 * is the def's LOCKREF word (0 = no lock), which only the runtime writes, under the runtime lock,
 * together with the refcount — the new object on allocation, 0 on the last free — so it never
 * dangles (model/README.md D10b; the mutant `free-keeps-lock-pointer` shows why), and a lock object (a PyMutex plus its internal
 * refcount PINS) comes from a runtime-owned pool. The runtime lock guards allocation:
 *   - mod_init first takes a reference under the runtime lock, allocating the object if LOCKREF
 *     is 0 (lowest free pool slot), then — with no lock held — blocks on the object's mutex. Its
 *     reference keeps the object alive while it waits.
 *   - A module instance keeps its reference until mod_free (or its interpreter's end); a failed
 *     mod_init gives it back at once.
 *   - Giving back the last reference frees the object (LOCKREF = 0). That happens only after
 *     teardown, and only if the count is still 0: a mod_init that arrived meanwhile holds a
 *     reference, so the object lives on and that mod_init sets the state up afresh (new epoch).
 * Whether setup runs is decided under the lock from the instance count, not from "this call
 * allocated the object": after a failed setup the object may live on (another mod_init was
 * already waiting), and the next holder must run setup again (D10).
 *
 * Lock order (global, see impl/lifecycle.ts): the lock object's mutex → the def's lifecycle lock
 * → the runtime lock. The runtime lock is taken alone for references, never while waiting.
 * At most one object per def is live, so a pool of one object per def never runs out.
 */
import { defs, refcountedLockModel, type Def, type ModelConfig, type RefcountedLockCall, type Result } from "../model/index.js";
import type { LifecycleOp } from "../model/lifecycle.js";
import { refcountedLockOp } from "../model/refcounted_lock.js";
import { lifecycleLayout, type LockObject, type MutexAt } from "./layout.js";
import { Lifecycle } from "./lifecycle.js";
import { add, load, store, sub, type Code } from "./memory.js";
import { keepsMethods, subjectOf } from "./runtime.js";
import type { Subject } from "./subject.js";

export class RefcountedLock extends Lifecycle<RefcountedLockCall> {
  constructor(config: ModelConfig) {
    super(config, lifecycleLayout("refcounted_lock", { lockObjects: true }));
  }

  protected toOp(call: RefcountedLockCall): LifecycleOp {
    return refcountedLockOp(call);
  }

  private lockRefOf(def: Def): number {
    const r = this.block(def).lockRef;
    if (r === undefined) throw new Error("internal: refcounted_lock layout without LOCKREF");
    return r;
  }

  private object(ref: number): LockObject {
    const o = this.layout.pool[ref - 1];
    if (o === undefined) throw new Error(`internal: LOCKREF ${ref} names no lock object`);
    return o;
  }

  /** Under the runtime lock: a reference to the def's lock object, allocating it if there is none. */
  *takeReference(def: Def): Code<LockObject> {
    let ref = yield load(this.lockRefOf(def));
    if (ref === 0) ref = yield* this.allocateLock(def);
    const o = this.object(ref);
    yield add(o.pins, 1);
    return o;
  }

  /** Under the runtime lock: the lowest free pool object becomes the def's lock (unlocked, no references). */
  *allocateLock(def: Def): Code<number> {
    for (let k = 0; k < this.layout.pool.length; k++) {
      const o = this.layout.pool[k] as LockObject;
      if ((yield load(o.live)) !== 0) continue;
      yield store(o.live, 1);
      yield store(this.lockRefOf(def), k + 1);
      return k + 1;
    }
    throw new Error(`internal: no free lock object for ${def} (at most one per def is ever live)`);
  }

  /** Under the runtime lock: gives a reference back; the last one frees the object (lock_was_just_freed). */
  *dropReference(def: Def): Code<void> {
    const ref = yield load(this.lockRefOf(def));
    const o = this.object(ref);
    if ((yield sub(o.pins, 1)) !== 1) return;
    yield* this.freeLock(def, o);
  }

  *freeLock(def: Def, o: LockObject): Code<void> {
    yield store(o.live, 0);
    yield store(this.lockRefOf(def), 0);
  }

  protected *openClientLock(def: Def, interp: number): Code<MutexAt | undefined> {
    yield* this.lockRuntime(interp);
    const o = yield* this.takeReference(def);
    yield* this.unlockRuntime(interp);
    return o.mutex;
  }

  protected *closeClientLock(def: Def, interp: number): Code<void> {
    yield* this.lockRuntime(interp);
    yield* this.dropReference(def);
    yield* this.unlockRuntime(interp);
  }

  /** An instance's reference keeps LOCKREF and the object stable, so this read needs no lock. */
  protected *clientLock(def: Def): Code<MutexAt | undefined> {
    const ref = yield load(this.lockRefOf(def));
    return ref === 0 ? undefined : this.object(ref).mutex;
  }

  protected *endInstance(def: Def, _interp: number): Code<void> {
    yield* this.dropReference(def);
  }

  /** Every pool object's mutex, while lockClientMutex and unlockClientMutex are PyMutex_Lock and PyMutex_Unlock (Lifecycle's). */
  protected override trustedClientMutexes(): readonly number[] {
    return keepsMethods<RefcountedLock>(this, RefcountedLock.prototype, ["lockClientMutex", "unlockClientMutex"]) ? this.layout.pool.map((o) => o.mutex.lock) : [];
  }

  /** A pool object's LIVE and PINS are read and written only under the runtime lock (allocation, references). */
  override protections(): ReadonlyMap<number, number> {
    const guarded = new Map(super.protections());
    for (const o of this.layout.pool) for (const a of [o.live, o.pins]) guarded.set(a, this.rt.lock.owner);
    return guarded;
  }

  /** LOCKREF is written only under the runtime lock, with the refcount; an instance reads it without (`clientLock`). */
  override writeProtections(): ReadonlyMap<number, number> {
    const guarded = new Map(super.writeProtections());
    for (const def of defs) guarded.set(this.lockRefOf(def), this.rt.lock.owner);
    return guarded;
  }
}

/** The refcounted-lock family as a Subject (a variant passes its own subclass instance and name). */
export function refcounted_lock(config: ModelConfig, impl: RefcountedLock = new RefcountedLock(config), name = "refcounted_lock"): Subject<RefcountedLockCall, Result> {
  return subjectOf(name, impl, refcountedLockModel.describeCall);
}
