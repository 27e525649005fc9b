/**
 * The lifecycle of an extension's process-global state over shared memory — the implementation of
 * model/lifecycle.ts that module_slots, refcounted_lock and static_mutex share: a per-def count of
 * module instances, global state set up on 0→1 and torn down on 1→0, and — in the families that
 * have one — a client-visible lock the extension also uses around its thread-unsafe library calls.
 *
 * Two locks per def:
 *   - the *lifecycle lock* (`inner`): COUNT, IMPORTERS and the global state (PHASE, HANDLE) change
 *     only under it; global_init / setup, Py_mod_exec, and global_exit / teardown run under it.
 *     It is held only inside one call, never across calls.
 *   - the *client lock* (refcounted_lock: the refcounted lock object; static_mutex: the static
 *     PyMutex; module_slots has none): import and unload take it first, so they wait while a
 *     user holds it (model: `lockedLifecycle`), and setup/teardown run under both locks (D10).
 * Why two: Py_EndInterpreter must let go of an interpreter's module instances in every def as one
 * indivisible step (the model's End) and must never wait for another interpreter's user of the
 * client lock, which may hold it across calls (D13). So ending takes only the lifecycle locks.
 * When the ending interpreter is a def's last user nobody else can hold that def's client lock
 * across calls (holding it needs an instance), so teardown without the client lock exposes nothing.
 *
 * The one global lock order: a def's client lock → lifecycle lock of odbc → lifecycle lock of
 * mylib → the runtime lock. An import or unload holds one def's client and lifecycle locks; ending
 * an interpreter (and runtime finalisation) takes every lifecycle lock, in def order, then the
 * runtime lock; the refcounted lock's allocation takes the runtime lock alone. Nobody blocks while
 * holding a lifecycle lock or the runtime lock (they only *release* client locks).
 *
 * A handle is the def's epoch number: EPOCH is bumped by every successful global_init and never
 * reset (it is also the ghost init count), so the n-th set-up state has handle n, as in the model.
 */
import { bit, defs, err, INSTANCES, interpOf, ok, type Def, type ErrorCode, type ModelConfig, type Result } from "../model/index.js";
import type { LifecycleOp } from "../model/lifecycle.js";
import { lifecycleWordNames, Phase, type DefBlock, type LifecycleLayout, type MutexAt, type WordNames } from "./layout.js";
import { add, cas, clearBits, increment, load, setBits, store, sub, testBits, testEquals, type Code } from "./memory.js";
import { PyMutex_Lock, PyMutex_Unlock, PyMutexState } from "./pymutex.js";
import { lockOrDie, Runtime, unlockOrDie, type EndBlocker } from "./runtime.js";

type ImportOp = Extract<LifecycleOp, { op: "import" }>;

export abstract class Lifecycle<Call extends { readonly _tag: string }> extends Runtime<Call> {
  readonly words: number;

  constructor(
    config: ModelConfig,
    readonly layout: LifecycleLayout,
  ) {
    super(config, layout.rt);
    this.words = layout.words;
  }

  /** The family's call as an abstract lifecycle operation (the model's `toOp`). */
  protected abstract toOp(call: Call): LifecycleOp;

  // ---- the client lock: where it lives differs per family -------------------------------------

  /** For an import: a reference to the def's client lock (allocating it if the family does), or undefined if none. */
  protected abstract openClientLock(def: Def, interp: number): Code<MutexAt | undefined>;
  /** Gives back the reference `openClientLock` took (a failed import, or an unloaded instance). */
  protected abstract closeClientLock(def: Def, interp: number): Code<void>;
  /** The client lock of a def the caller has an instance of (its instance keeps the lock alive). */
  protected abstract clientLock(def: Def): Code<MutexAt | undefined>;
  /** With the world locked (runtime lock held): what `closeClientLock` does, for an ending interpreter. */
  protected abstract endInstance(def: Def, interp: number): Code<void>;

  protected block(def: Def): DefBlock {
    return this.layout.def[def];
  }

  protected *familyCall(interp: number, call: Call): Code<Result> {
    const o = this.toOp(call);
    switch (o.op) {
      case "import":
        return yield* this.importModule(interp, o);
      case "unload":
        return yield* this.unloadModule(interp, o.def, o.instance);
      case "lock":
        return yield* this.lockClient(interp, o.def, o.instance);
      case "unlock":
        return yield* this.unlockClient(interp, o.def, o.instance);
      case "use":
        return yield* this.useGlobalState(interp, o.def, o.instance);
      case "library":
        return yield* this.callLibrary(interp, o.def, o.instance);
      case "runtime":
        throw new Error(`internal: runtime call ${o.tag} reached the family`);
    }
  }

  /** The importers word of module instance `instance` (1 or 2) of each interpreter. */
  protected importersOf(def: Def, instance: number): number {
    return instance === 2 ? this.block(def).importers2 : this.block(def).importers;
  }

  /** Whether `interp` has module instance `instance` of `def`. Only `interp` itself changes its bit, so no lock is needed. */
  *isImporter(def: Def, interp: number, instance = 1): Code<boolean> {
    return (yield testBits(this.importersOf(def, instance), bit(interpOf(interp)))) === 1;
  }

  /** An import (PyModule_ExecDef / mod_init / mod_exec): client lock, lifecycle lock, then `execDef`. */
  *importModule(interp: number, o: ImportOp): Code<Result> {
    const d = this.block(o.def);
    if (yield* this.isImporter(o.def, interp, o.instance)) return err("AlreadyImported");
    const client = yield* this.openClientLock(o.def, interp);
    if (client !== undefined && (yield* this.lockClientMutex(client, interp)) === "reentrant") {
      yield* this.closeClientLock(o.def, interp);
      return err("Reentrant");
    }
    // Only a global_init that imports its own module finds the lifecycle lock already its own.
    const cycle = (yield* PyMutex_Lock(d.inner.lock, d.inner.owner, interp)) === "reentrant";
    const result = cycle ? err("ImportCycle") : yield* this.execDef(interp, o);
    if (!cycle) yield* unlockOrDie(d.inner, interp, `${o.def}'s lifecycle lock`);
    if (client !== undefined) yield* this.unlockHeldClientMutex(client, interp, o.def);
    if (result._tag === "Err") yield* this.closeClientLock(o.def, interp);
    return result;
  }

  /**
   * Under the locks: global_init on 0→1, count the instance, run Py_mod_exec. A failed exec is
   * balanced by m_free at once, still under the lock, so the failure is atomic (D12, P3, P5).
   */
  *execDef(interp: number, o: ImportOp): Code<Result> {
    let ranInit = false;
    if ((yield load(this.block(o.def).count)) === 0) {
      const failed = yield* this.globalInit(interp, o);
      if (failed !== undefined) return err(failed);
      ranInit = true;
    }
    yield* this.countUp(o.def, interp, o.instance);
    if (o.execFails) {
      yield* this.release(o.def, interp, o.instance);
      return err("ExecFailed");
    }
    return ok(ranInit ? 1 : 0);
  }

  /**
   * global_init / setup_global_state: PHASE, then (with the import cycle and failure checked
   * first, as the model orders them) a new epoch and its HANDLE, then PHASE ready. A failure
   * rolls PHASE back. `initImportsSelf` is literal: global_init imports its own module.
   */
  *globalInit(interp: number, o: ImportOp): Code<ErrorCode | undefined> {
    const d = this.block(o.def);
    yield store(d.phase, Phase.settingUp);
    if (o.initImportsSelf) {
      const nested = yield* this.importModule(interp, { op: "import", def: o.def, instance: o.instance, initFails: false, execFails: false, initImportsSelf: false });
      if (nested._tag === "Err") {
        yield store(d.phase, Phase.none);
        return nested.error;
      }
    }
    if (o.initFails) {
      yield store(d.phase, Phase.none);
      return "InitFailed";
    }
    const epoch = (yield add(d.epoch, 1)) + 1;
    yield store(d.handle, epoch);
    yield store(d.phase, Phase.ready);
    return undefined;
  }

  /** global_exit / teardown_global_state: PHASE, HANDLE cleared, the ghost exit count, PHASE none. */
  *globalExit(def: Def): Code<void> {
    const d = this.block(def);
    yield store(d.phase, Phase.tearingDown);
    yield store(d.handle, 0);
    yield increment(d.exits, 1);
    yield store(d.phase, Phase.none);
  }

  /** Under the lifecycle lock: one more instance, `interp`'s instance `instance`. */
  *countUp(def: Def, interp: number, instance = 1): Code<void> {
    yield increment(this.block(def).count, 1);
    yield setBits(this.importersOf(def, instance), bit(interpOf(interp)));
  }

  /** Under the lifecycle lock: `interp`'s instance `instance` goes; returns the count left. */
  *countDown(def: Def, interp: number, instance = 1): Code<number> {
    yield clearBits(this.importersOf(def, instance), bit(interpOf(interp)));
    return (yield sub(this.block(def).count, 1)) - 1;
  }

  /** m_free under the lifecycle lock: uncount, and global_exit if that was the last instance. */
  *release(def: Def, interp: number, instance = 1): Code<boolean> {
    if ((yield* this.countDown(def, interp, instance)) !== 0) return false;
    yield* this.globalExit(def);
    return true;
  }

  /** An unload (unload_module / mod_free): refused while the caller holds the client lock, waits while another does. */
  *unloadModule(interp: number, def: Def, instance = 1): Code<Result> {
    if (!(yield* this.isImporter(def, interp, instance))) return err("NotImported");
    const client = yield* this.clientLock(def);
    if (client !== undefined && (yield* this.lockClientMutex(client, interp)) === "reentrant") return err("LockHeld");
    const d = this.block(def);
    yield* lockOrDie(d.inner, interp, `${def}'s lifecycle lock`);
    const ranExit = yield* this.release(def, interp, instance);
    yield* unlockOrDie(d.inner, interp, `${def}'s lifecycle lock`);
    if (client !== undefined) yield* this.unlockHeldClientMutex(client, interp, def);
    yield* this.closeClientLock(def, interp);
    return ok(ranExit ? 1 : 0);
  }

  *lockClient(interp: number, def: Def, instance = 1): Code<Result> {
    if (!(yield* this.isImporter(def, interp, instance))) return err("NotImported");
    const client = yield* this.requireClientLock(def);
    return (yield* this.lockClientMutex(client, interp)) === "acquired" ? ok(0) : err("Reentrant");
  }

  *unlockClient(interp: number, def: Def, instance = 1): Code<Result> {
    if (!(yield* this.isImporter(def, interp, instance))) return err("NotImported");
    const client = yield* this.requireClientLock(def);
    const refused = yield* this.unlockClientMutex(client, interp);
    return refused === undefined ? ok(0) : err(refused);
  }

  // ---- the client lock's semantics: an owner-tracking mutex unless a family says otherwise ------

  /** Locks a client lock: "reentrant" (changing nothing) when the caller already holds it. */
  *lockClientMutex(m: MutexAt, interp: number): Code<"acquired" | "reentrant"> {
    return yield* PyMutex_Lock(m.lock, m.owner, interp);
  }

  /** Unlocks a client lock; the error when that is refused (the caller does not hold it). */
  *unlockClientMutex(m: MutexAt, interp: number): Code<ErrorCode | undefined> {
    return (yield* PyMutex_Unlock(m.lock, m.owner, interp)) ? undefined : "NotHeld";
  }

  /** Unlocks a client lock this call locked itself. */
  private *unlockHeldClientMutex(m: MutexAt, interp: number, def: Def): Code<void> {
    if ((yield* this.unlockClientMutex(m, interp)) !== undefined) throw new Error(`interp ${interp} released ${def}'s client lock without holding it`);
  }

  /** Whether the caller may call into the library under the client lock: it holds it. */
  *mayCallLibrary(m: MutexAt, interp: number): Code<boolean> {
    return (yield testEquals(m.owner, interp)) === 1;
  }

  /** With the world locked, ending `interp`: let go of a client lock it still holds (abandoned, D7a). */
  protected *abandonClientLock(m: MutexAt, interp: number, def: Def): Code<void> {
    if ((yield testEquals(m.owner, interp)) === 0) return;
    yield* unlockOrDie(m, interp, `${def}'s client lock`);
    yield increment(this.rt.abandoned, 1);
  }

  /** my_func: reads the handle. An instance keeps the state set up, so no lock is needed. */
  *useGlobalState(interp: number, def: Def, instance = 1): Code<Result> {
    if (!(yield* this.isImporter(def, interp, instance))) return err("NotImported");
    return ok(yield load(this.block(def).handle));
  }

  /** The thread-unsafe library call: a deliberately NON-atomic load-then-store of CALLS under the client lock. */
  *callLibrary(interp: number, def: Def, instance = 1): Code<Result> {
    if (!(yield* this.isImporter(def, interp, instance))) return err("NotImported");
    const client = yield* this.requireClientLock(def);
    if (!(yield* this.mayCallLibrary(client, interp))) return err("NotHeld");
    const d = this.block(def);
    const calls = (yield load(d.calls)) + 1;
    yield store(d.calls, calls);
    return ok(calls);
  }

  private *requireClientLock(def: Def): Code<MutexAt> {
    const client = yield* this.clientLock(def);
    if (client === undefined) throw new Error(`${this.layout.family} has no client lock for ${def}`);
    return client;
  }

  // ---- interpreter and runtime finalisation ---------------------------------------------------

  protected *lockWorld(interp: number): Code<void> {
    for (const def of defs) yield* lockOrDie(this.block(def).inner, interp, `${def}'s lifecycle lock`);
    yield* this.lockRuntime(interp);
  }

  protected *unlockWorld(interp: number): Code<void> {
    yield* this.unlockRuntime(interp);
    for (const def of [...defs].reverse()) yield* unlockOrDie(this.block(def).inner, interp, `${def}'s lifecycle lock`);
  }

  /** Per def: let go of the client lock if held (abandoned), then unload each of its instances (teardown on the last). */
  protected *endEffects(interp: number, idle = false): Code<void> {
    for (const def of defs) {
      let first = true;
      for (let instance = 1; instance <= INSTANCES; instance++) {
        if (!(yield* this.isImporter(def, interp, instance))) continue;
        if (first && !idle) {
          const client = yield* this.clientLock(def);
          if (client !== undefined) yield* this.abandonClientLock(client, interp, def);
          first = false;
        }
        yield* this.release(def, interp, instance);
        yield* this.endInstance(def, interp);
      }
    }
  }

  /** With the world locked: a def's client lock another thread of `thread`'s interpreter holds (D18), marked so its release notifies. */
  protected override *lockHeldBySibling(thread: number): Code<EndBlocker | undefined> {
    for (const def of defs) {
      const m = yield* this.clientLock(def);
      if (m === undefined) continue;
      for (const sibling of this.siblingsOf(thread)) {
        if ((yield testEquals(m.owner, sibling)) === 0) continue;
        if ((yield cas(m.lock, PyMutexState.locked, PyMutexState.lockedWithWaiters)) !== PyMutexState.unlocked) {
          return { addr: m.lock, value: PyMutexState.lockedWithWaiters };
        }
      }
    }
    return undefined;
  }

  /** With the world locked: a def's client lock somebody holds, marked so its unlock notifies (Py_FinalizeEx waits, D3). */
  protected override *heldClientLock(): Code<EndBlocker | undefined> {
    for (const def of defs) {
      const m = yield* this.clientLock(def);
      if (m === undefined) continue;
      if ((yield cas(m.lock, PyMutexState.locked, PyMutexState.lockedWithWaiters)) !== PyMutexState.unlocked) {
        return { addr: m.lock, value: PyMutexState.lockedWithWaiters };
      }
    }
    return undefined;
  }

  /** Statics survive finalisation; a def still counted after every interpreter ended is a leak (P7). */
  protected *finalizeEffects(): Code<void> {
    for (const def of defs) {
      const left = (yield testBits(this.block(def).importers, -1)) === 1 || (yield testBits(this.block(def).importers2, -1)) === 1;
      if (left) yield increment(this.rt.leaks, 1);
    }
  }

  /**
   * The count and the global state's phase and ghost counters change only under the def's
   * lifecycle lock. (Importers and handle are read without it by design — an interpreter reads its
   * own bit and, while it holds an instance, the live handle: see `writeProtections`.)
   */
  override protections(): ReadonlyMap<number, number> {
    const guarded = new Map<number, number>();
    for (const def of defs) {
      const d = this.block(def);
      for (const a of [d.count, d.phase, d.epoch, d.exits]) guarded.set(a, d.inner.owner);
    }
    return guarded;
  }

  /** A def's lifecycle lock is held only inside one call (layout.ts DefBlock.inner), and always taken with impl/pymutex.ts's code. */
  override sectionLocks(): readonly number[] {
    return [...super.sectionLocks(), ...defs.map((def) => this.block(def).inner.lock)];
  }

  /** The section locks, and the client lock's words when the family's own lock and unlock take it (`trustedClientMutexes`). */
  override trustedMutexes(): readonly number[] {
    return [...super.trustedMutexes(), ...this.trustedClientMutexes()];
  }

  /** The client lock's words, when its lock and unlock are impl/pymutex.ts's and no variant changed them: none by default. */
  protected trustedClientMutexes(): readonly number[] {
    return [];
  }

  /**
   * The importers masks and the handle are written only under the def's lifecycle lock (countUp,
   * countDown; global_init, global_exit) and read without it (an interpreter's own bit; the live
   * handle in my_func): the lock holder's reads of them need no scheduling point.
   */
  override writeProtections(): ReadonlyMap<number, number> {
    const guarded = new Map(super.writeProtections());
    for (const def of defs) {
      const d = this.block(def);
      for (const a of [d.importers, d.importers2, d.handle]) guarded.set(a, d.inner.owner);
    }
    return guarded;
  }

  override ownerWords(): readonly number[] {
    const words = [...super.ownerWords()];
    for (const def of defs) {
      const d = this.block(def);
      words.push(d.inner.owner);
      if (d.outer !== undefined) words.push(d.outer.owner);
    }
    for (const o of this.layout.pool) words.push(o.mutex.owner);
    return words;
  }

  /**
   * `importers` holds one bit per interpreter. It is not a self-bit word: Py_FinalizeEx clears the
   * bits of the subinterpreters it ends (D3) — while none of them has a call in flight, but the
   * explorer's discipline cannot see that, so their reads stay scheduling points.
   */
  override maskWords(): readonly number[] {
    return defs.flatMap((def) => [this.block(def).importers, this.block(def).importers2]);
  }

  wordNames(): WordNames {
    return lifecycleWordNames(this.layout);
  }
}
