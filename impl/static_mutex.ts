/**
 * The shipped baseline over shared memory: the implementation of model/static_mutex.ts — what an
 * extension writes today with CPython 3.13's `PyMutex`, all in its own statics (zero-initialised,
 * never freed, surviving runtime finalisation, D14):
 *
 *     static PyMutex mutex;        // users lock it around the thread-unsafe library
 *     static PyMutex state_mutex;  // held only inside mod_exec / m_free, never across calls
 *     static Py_ssize_t count;     // the extension's own refcount
 *     static handle_t handle;      // the process-global state
 *
 * mod_exec waits until nobody holds `mutex` (a user's critical section), holding `state_mutex`,
 * initialises on count 0→1 and counts; mod_free does the reverse and tears down on 1→0. `mutex` is CPython's
 * PyMutex as shipped (impl/pymutex.ts `ShippedPyMutex_*`): no owner, so a holder's re-lock waits
 * for itself, anyone may unlock it, unlocking it unlocked is Py_FatalError (the `FatalError`
 * result), and Py_EndInterpreter — which runs m_free — waits while anybody holds it (D14).
 */
import { defs, err, ok, staticMutexModel, type Def, type ErrorCode, type ModelConfig, type Result, type StaticMutexCall } from "../model/index.js";
import type { LifecycleOp } from "../model/lifecycle.js";

type ImportOp = Extract<LifecycleOp, { op: "import" }>;
import { staticMutexOp } from "../model/static_mutex.js";
import { lifecycleLayout, type MutexAt } from "./layout.js";
import { Lifecycle } from "./lifecycle.js";
import { lockOrDie, unlockOrDie } from "./runtime.js";
import { cas, load, loopEnter, loopHead, notify, wait, type Code } from "./memory.js";
import { PyMutexState, ShippedPyMutex_Lock, ShippedPyMutex_Unlock } from "./pymutex.js";
import { keepsMethods, subjectOf, type EndBlocker } from "./runtime.js";
import type { Subject } from "./subject.js";

export class StaticMutex extends Lifecycle<StaticMutexCall> {
  constructor(config: ModelConfig) {
    super(config, lifecycleLayout("static_mutex", { outerMutex: true }));
  }

  protected toOp(call: StaticMutexCall): LifecycleOp {
    return staticMutexOp(call);
  }

  /** The static mutex: always there, nothing to allocate or give back. */
  private mutexOf(def: Def): MutexAt {
    const m = this.block(def).outer;
    if (m === undefined) throw new Error("internal: static_mutex layout without the static mutex");
    return m;
  }

  protected *openClientLock(def: Def, _interp: number): Code<MutexAt | undefined> {
    return this.mutexOf(def);
  }
  protected *closeClientLock(_def: Def, _interp: number): Code<void> {}
  protected *clientLock(def: Def): Code<MutexAt | undefined> {
    return this.mutexOf(def);
  }
  protected *endInstance(_def: Def, _interp: number): Code<void> {}

  // ---- the static mutex is CPython's PyMutex as shipped: no owner -----------------------------

  /**
   * mod_exec: waits, holding `state_mutex`, until nobody holds `mutex`, then runs under
   * `state_mutex` alone. The model makes mod_exec one step that is enabled only while nobody holds
   * the mutex (a holder's own mod_exec waits for itself); holding `mutex` itself for the duration,
   * as a C extension would, would let another interpreter's stray `PyMutex_Unlock` break into the
   * middle of that step — a real hazard of the shipped PyMutex (model/README.md D14) that an atomic
   * model cannot express, so the implementation does not open that window.
   */
  override *importModule(interp: number, o: ImportOp): Code<Result> {
    if (yield* this.isImporter(o.def, interp, o.instance)) return err("AlreadyImported");
    yield* this.lockStateWhenMutexFree(o.def, interp);
    const result = yield* this.execDef(interp, o);
    yield* unlockOrDie(this.block(o.def).inner, interp, `${o.def}'s state mutex`);
    return result;
  }

  /** m_free (mod_free): like mod_exec, waits until nobody — the caller included — holds `mutex`. */
  override *unloadModule(interp: number, def: Def, instance = 1): Code<Result> {
    if (!(yield* this.isImporter(def, interp, instance))) return err("NotImported");
    yield* this.lockStateWhenMutexFree(def, interp);
    const ranExit = yield* this.release(def, interp, instance);
    yield* unlockOrDie(this.block(def).inner, interp, `${def}'s state mutex`);
    return ok(ranExit ? 1 : 0);
  }

  /** Takes `state_mutex` at a moment nobody holds `mutex`; a waiter marks the word so the unlock notifies. */
  *lockStateWhenMutexFree(def: Def, interp: number): Code<void> {
    const m = this.mutexOf(def);
    const d = this.block(def);
    // The mutex's owner word is unused (no owner): it names this loop for the explorer.
    yield loopEnter(m.owner);
    for (;;) {
      yield loopHead(m.owner, 0);
      yield* lockOrDie(d.inner, interp, `${def}'s state mutex`);
      if ((yield cas(m.lock, PyMutexState.locked, PyMutexState.lockedWithWaiters)) === PyMutexState.unlocked) break;
      yield* unlockOrDie(d.inner, interp, `${def}'s state mutex`);
      yield wait(m.lock, PyMutexState.lockedWithWaiters);
      yield notify(m.lock, 1); // pass on a wake-up meant for a locker
    }
    yield loopHead(m.owner, 1);
  }

  /** A second lock by the holder waits for itself (self-deadlock); never "reentrant". */
  override *lockClientMutex(m: MutexAt, _interp: number): Code<"acquired" | "reentrant"> {
    yield* ShippedPyMutex_Lock(m.lock);
    return "acquired";
  }

  /** Anyone may unlock; unlocking an unlocked mutex is Py_FatalError. */
  override *unlockClientMutex(m: MutexAt, _interp: number): Code<ErrorCode | undefined> {
    return (yield* ShippedPyMutex_Unlock(m.lock)) ? undefined : "FatalError";
  }

  /** With no owner, the extension can only know that the mutex is locked, not by whom. */
  override *mayCallLibrary(m: MutexAt, _interp: number): Code<boolean> {
    return (yield load(m.lock)) !== PyMutexState.unlocked;
  }

  /** Nothing releases a PyMutex when its holder's interpreter ends (and ending waited for it, below). */
  protected override *abandonClientLock(_m: MutexAt, _interp: number, _def: Def): Code<void> {}

  /**
   * m_free locks the mutex, so ending waits while anybody — the ending interpreter included —
   * holds the mutex of a def it has an instance of. The waiter marks the word "locked, maybe
   * waiters" so the unlock notifies.
   */
  protected override *endBlocker(interp: number): Code<EndBlocker | undefined> {
    const sibling = yield* this.siblingBlocker(interp);
    if (sibling !== undefined) return sibling;
    for (const def of defs) {
      if (!(yield* this.isImporter(def, interp, 1)) && !(yield* this.isImporter(def, interp, 2))) continue;
      const m = this.mutexOf(def);
      const c = yield cas(m.lock, PyMutexState.locked, PyMutexState.lockedWithWaiters);
      if (c !== PyMutexState.unlocked) return { addr: m.lock, value: PyMutexState.lockedWithWaiters };
    }
    return undefined;
  }

  /** The static mutex has no owner to ask: the loop in `endBlocker` waits for any holder, a sibling thread too (D18). */
  protected override *lockHeldBySibling(_thread: number): Code<EndBlocker | undefined> {
    return undefined;
  }

  /** Each def's static mutex, while lockClientMutex and unlockClientMutex are ShippedPyMutex_Lock and ShippedPyMutex_Unlock. */
  protected override trustedClientMutexes(): readonly number[] {
    return keepsMethods<StaticMutex>(this, StaticMutex.prototype, ["lockClientMutex", "unlockClientMutex"]) ? defs.map((def) => this.mutexOf(def).lock) : [];
  }

  /** The static mutex has no owner word in use: only the lifecycle locks' and the runtime lock's owners follow the owner discipline. */
  override ownerWords(): readonly number[] {
    const unused = new Set(defs.map((def) => this.mutexOf(def).owner));
    return super.ownerWords().filter((w) => !unused.has(w));
  }
}

/** The static-mutex baseline as a Subject (a variant passes its own subclass instance and name). */
export function static_mutex(config: ModelConfig, impl: StaticMutex = new StaticMutex(config), name = "static_mutex"): Subject<StaticMutexCall, Result> {
  return subjectOf(name, impl, staticMutexModel.describeCall);
}
