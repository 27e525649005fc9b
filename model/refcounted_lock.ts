import { Schema } from "effect";
import { Def, Instance, RuntimeCall, describeThread } from "./common.js";
import type { FamilyModel } from "./family.js";
import type { ModelProfile } from "./profile.js";
import { asThreadInstance, describeLifecycle, initLifecycle, lifecycleKey, stepLifecycle, type LifecycleOp, type LifecycleState } from "./lifecycle.js";

/**
 * Refcounted lock with setup/teardown — Petr Viktorin's sketch (thread.txt, "internally,
 * PyThread_type_lock has a new internal refcount field"; `mod_init` runs setup when
 * `lock_was_just_allocated`, `mod_free` runs teardown when `lock_was_just_freed`). The model gives
 * the sketch the protection Petr says it needs: the first user runs setup *while holding the lock*
 * and later users wait for it; the last user runs teardown under the lock, and a new user arriving
 * during teardown waits and starts a new epoch. The same lock serialises the extension's calls
 * into its thread-unsafe library. The lock is an object with a lifetime (D10a): allocated by the
 * first mod_init (`lock_was_just_allocated`, its result), freed by the last mod_free
 * (`lock_was_just_freed`); the extension's static `my_lock` names it and is written by the runtime,
 * so it is NULL again after the last free and across re-initialisation (D10b, `DefState.myLock`).
 */

/** mod_init: take a reference to the def's shared lock; the first reference runs setup. */
export const mod_init = Schema.TaggedStruct("mod_init", { def: Def, instance: Schema.optional(Instance), setupFails: Schema.Boolean });
/** mod_free: drop the reference; the last one runs teardown and frees the lock. */
export const mod_free = Schema.TaggedStruct("mod_free", { def: Def, instance: Schema.optional(Instance) });
export const PyThread_acquire_lock = Schema.TaggedStruct("PyThread_acquire_lock", { def: Def, instance: Schema.optional(Instance) });
export const PyThread_release_lock = Schema.TaggedStruct("PyThread_release_lock", { def: Def, instance: Schema.optional(Instance) });
/** my_func: the extension uses the global state (reads the handle). */
export const use_global_state = Schema.TaggedStruct("use_global_state", { def: Def, instance: Schema.optional(Instance) });
/** A call into the thread-unsafe C library, which needs the lock held. */
export const call_unsafe_library = Schema.TaggedStruct("call_unsafe_library", { def: Def, instance: Schema.optional(Instance) });

export const RefcountedLockCall = Schema.Union(
  mod_init,
  mod_free,
  PyThread_acquire_lock,
  PyThread_release_lock,
  use_global_state,
  call_unsafe_library,
  RuntimeCall,
);
export type RefcountedLockCall = typeof RefcountedLockCall.Type;

/** The call as an abstract lifecycle operation (model/lifecycle.ts); the implementation maps calls the same way. */
export function refcountedLockOp(call: RefcountedLockCall): LifecycleOp {
  switch (call._tag) {
    case "mod_init":
      return { op: "import", def: call.def, instance: call.instance ?? 1, initFails: call.setupFails, execFails: false, initImportsSelf: false };
    case "mod_free":
      return { op: "unload", def: call.def, instance: call.instance ?? 1 };
    case "PyThread_acquire_lock":
      return { op: "lock", def: call.def, instance: call.instance ?? 1 };
    case "PyThread_release_lock":
      return { op: "unlock", def: call.def, instance: call.instance ?? 1 };
    case "use_global_state":
      return { op: "use", def: call.def, instance: call.instance ?? 1 };
    case "call_unsafe_library":
      return { op: "library", def: call.def, instance: call.instance ?? 1 };
    default:
      return { op: "runtime", tag: call._tag };
  }
}

function describeCall(thread: number, call: RefcountedLockCall): string {
  const who = `in ${describeThread(thread)}${"instance" in call && call.instance !== undefined && call.instance !== 1 ? ` (module instance ${call.instance})` : ""}`;
  switch (call._tag) {
    case "mod_init":
      return `mod_init(${call.def})${call.setupFails ? " with failing setup_global_state" : ""} ${who}`;
    case "Py_NewInterpreter":
    case "Py_EndInterpreter":
    case "Py_FinalizeEx":
    case "Py_Initialize":
      return `${call._tag}() ${who}`;
    default:
      return `${call._tag}(${call.def}) ${who}`;
  }
}

export const refcountedLockModel: FamilyModel<LifecycleState, RefcountedLockCall> = {
  family: "refcounted_lock",
  title: "Refcounted lock with setup/teardown (lock_was_just_allocated / lock_was_just_freed)",
  Call: RefcountedLockCall,
  init: initLifecycle,
  step: (s, interp, call) => stepLifecycle(s, interp, refcountedLockOp(call), "owned"),
  key: lifecycleKey,
  ghost: (s) => s.ghost,
  describeCall,
  describeState: (s) => describeLifecycle(s, "lock"),
  partitionOf: (call) => ("def" in call ? call.def : undefined),
};

/** Petr's refcounted lock object: a per-def lifecycle whose client lock is a refcounted object the extension points at. */
export const refcountedLockProfile = {
  family: "refcounted_lock",
  model: refcountedLockModel,
  globalState: "lifecycle",
  runtimeCounts: "module-instances",
  lockObject: true,
  extensionCallbacks: { exec: (def) => ({ _tag: "mod_init", def, setupFails: false }), free: (def) => ({ _tag: "mod_free", def }) },
  usage: {
    open: "mod_init",
    close: "mod_free",
    uses: ["use_global_state"],
    lock: { acquire: "PyThread_acquire_lock", release: "PyThread_release_lock", inside: ["call_unsafe_library"] },
    // mod_init (setup when just allocated), my_func under the lock, mod_free (teardown when just freed).
    typical: [
      { _tag: "mod_init", def: "odbc", setupFails: false },
      { _tag: "use_global_state", def: "odbc" },
      { _tag: "PyThread_acquire_lock", def: "odbc" },
      { _tag: "call_unsafe_library", def: "odbc" },
      { _tag: "PyThread_release_lock", def: "odbc" },
      { _tag: "mod_free", def: "odbc" },
    ],
    lockHolder: [
      { _tag: "mod_init", def: "odbc", setupFails: false },
      { _tag: "PyThread_acquire_lock", def: "odbc" },
      { _tag: "call_unsafe_library", def: "odbc" },
      { _tag: "PyThread_release_lock", def: "odbc" },
    ],
    // stress: import once, then the library call under the lock, over and over (a second thread with its own module instance).
    critical: (thread) => ({
      setup: asThreadInstance(thread, [{ _tag: "mod_init", def: "odbc", setupFails: false }] as const),
      body: asThreadInstance(thread, [
        { _tag: "PyThread_acquire_lock", def: "odbc" },
        { _tag: "call_unsafe_library", def: "odbc" },
        { _tag: "PyThread_release_lock", def: "odbc" },
      ] as const),
    }),
  },
} as const satisfies ModelProfile<RefcountedLockCall>;
