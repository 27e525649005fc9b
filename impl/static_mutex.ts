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
 * mod_exec locks `mutex` (so it waits while a user holds it), then `state_mutex`, initialises on
 * count 0→1 and counts; mod_free does the reverse and tears down on 1→0. The second mutex is what
 * lets m_free run from Py_EndInterpreter without waiting for another interpreter's user of
 * `mutex` (see impl/lifecycle.ts) — the kind of subtlety the thread wanted to take off extension
 * authors' hands.
 */
import { staticMutexModel, type Def, type ModelConfig, type Result, type StaticMutexCall } from "../model/index.js";
import type { LifecycleOp } from "../model/lifecycle.js";
import { staticMutexOp } from "../model/static_mutex.js";
import { lifecycleLayout, type MutexAt } from "./layout.js";
import { Lifecycle } from "./lifecycle.js";
import type { Code } from "./memory.js";
import { subjectOf } from "./runtime.js";
import type { Subject } from "./subject.js";

export class StaticMutex extends Lifecycle<StaticMutexCall> {
  constructor(config: ModelConfig) {
    super(config, lifecycleLayout("static_mutex"));
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
}

/** The static-mutex baseline as a Subject (a variant passes its own subclass instance and name). */
export function static_mutex(config: ModelConfig, impl: StaticMutex = new StaticMutex(config), name = "static_mutex"): Subject<StaticMutexCall, Result> {
  return subjectOf(name, impl, staticMutexModel.describeCall);
}
