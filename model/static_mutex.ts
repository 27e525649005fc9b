import { Schema } from "effect";
import { Def, Instance, RuntimeCall, describeThread } from "./common.js";
import type { FamilyModel } from "./family.js";
import type { ModelProfile } from "./profile.js";
import { asThreadInstance, describeLifecycle, initLifecycle, lifecycleKey, stepLifecycle, type LifecycleOp, type LifecycleState } from "./lifecycle.js";

/**
 * The shipped baseline: what CPython 3.13 actually offers instead of the proposals — a static,
 * zero-initialised `PyMutex` (no allocation, so no lock-creation race; never freed) plus the
 * extension's *own* refcount and init/teardown written under that mutex (anchors.md). The model is
 * the meaning of that extension code written correctly: `mod_exec` locks the mutex, initialises on
 * count 0→1, counts, unlocks; `mod_free` (m_free) locks, uncounts, tears down on 1→0, unlocks. The
 * mutex, the count and the handle are C statics: they survive runtime finalisation (decision D14).
 *
 * The mutex is `PyMutex` as shipped (Include/cpython/lock.h, Python/lock.c), not a kinder one: it
 * has no owner, so `PyMutex_Unlock` by any thread succeeds (`_PyMutex_TryUnlock` checks only the
 * locked bit), unlocking an unlocked mutex is `Py_FatalError("unlocking mutex that is not locked")`,
 * a second `PyMutex_Lock` by the holder waits for itself (a self-deadlock), nothing releases it when
 * the holder's interpreter ends, and `Py_EndInterpreter` — which runs the extension's m_free — waits
 * for it like any other locker.
 */

export const mod_exec = Schema.TaggedStruct("mod_exec", { def: Def, instance: Schema.optional(Instance), initFails: Schema.Boolean });
export const mod_free = Schema.TaggedStruct("mod_free", { def: Def, instance: Schema.optional(Instance) });
export const PyMutex_Lock = Schema.TaggedStruct("PyMutex_Lock", { def: Def, instance: Schema.optional(Instance) });
export const PyMutex_Unlock = Schema.TaggedStruct("PyMutex_Unlock", { def: Def, instance: Schema.optional(Instance) });
export const use_global_state = Schema.TaggedStruct("use_global_state", { def: Def, instance: Schema.optional(Instance) });
export const call_unsafe_library = Schema.TaggedStruct("call_unsafe_library", { def: Def, instance: Schema.optional(Instance) });

export const StaticMutexCall = Schema.Union(
  mod_exec,
  mod_free,
  PyMutex_Lock,
  PyMutex_Unlock,
  use_global_state,
  call_unsafe_library,
  RuntimeCall,
);
export type StaticMutexCall = typeof StaticMutexCall.Type;

/** The call as an abstract lifecycle operation (model/lifecycle.ts); the implementation maps calls the same way. */
export function staticMutexOp(call: StaticMutexCall): LifecycleOp {
  switch (call._tag) {
    case "mod_exec":
      return { op: "import", def: call.def, instance: call.instance ?? 1, initFails: call.initFails, execFails: false, initImportsSelf: false };
    case "mod_free":
      return { op: "unload", def: call.def, instance: call.instance ?? 1 };
    case "PyMutex_Lock":
      return { op: "lock", def: call.def, instance: call.instance ?? 1 };
    case "PyMutex_Unlock":
      return { op: "unlock", def: call.def, instance: call.instance ?? 1 };
    case "use_global_state":
      return { op: "use", def: call.def, instance: call.instance ?? 1 };
    case "call_unsafe_library":
      return { op: "library", def: call.def, instance: call.instance ?? 1 };
    default:
      return { op: "runtime", tag: call._tag };
  }
}

function describeCall(thread: number, call: StaticMutexCall): string {
  const who = `in ${describeThread(thread)}${"instance" in call && call.instance !== undefined && call.instance !== 1 ? ` (module instance ${call.instance})` : ""}`;
  switch (call._tag) {
    case "mod_exec":
      return `mod_exec(${call.def})${call.initFails ? " with failing init" : ""} ${who}`;
    case "Py_NewInterpreter":
    case "Py_EndInterpreter":
    case "Py_FinalizeEx":
    case "Py_Initialize":
      return `${call._tag}() ${who}`;
    default:
      return `${call._tag}(&${call.def}_mutex) ${who}`;
  }
}

export const staticMutexModel: FamilyModel<LifecycleState, StaticMutexCall> = {
  family: "static_mutex",
  title: "Shipped baseline: static PyMutex plus the extension's own refcount and init/teardown",
  Call: StaticMutexCall,
  init: initLifecycle,
  step: (s, interp, call) => stepLifecycle(s, interp, staticMutexOp(call), "pymutex"),
  key: lifecycleKey,
  ghost: (s) => s.ghost,
  describeCall,
  describeState: (s) => describeLifecycle(s, "PyMutex"),
  partitionOf: (call) => ("def" in call ? call.def : undefined),
};

/** The shipped baseline: a static PyMutex and the extension's own count; its m_free waits for the mutex (D14). */
export const staticMutexProfile = {
  family: "static_mutex",
  model: staticMutexModel,
  globalState: "lifecycle",
  undeclaredCClient: true,
  blockingRuntimeCalls: ["Py_EndInterpreter"],
  usage: {
    open: "mod_exec",
    close: "mod_free",
    uses: ["use_global_state"],
    lock: { acquire: "PyMutex_Lock", release: "PyMutex_Unlock", inside: ["call_unsafe_library"] },
    // the extension's own code around a static PyMutex.
    typical: [
      { _tag: "mod_exec", def: "odbc", initFails: false },
      { _tag: "use_global_state", def: "odbc" },
      { _tag: "PyMutex_Lock", def: "odbc" },
      { _tag: "call_unsafe_library", def: "odbc" },
      { _tag: "PyMutex_Unlock", def: "odbc" },
      { _tag: "mod_free", def: "odbc" },
    ],
    lockHolder: [
      { _tag: "mod_exec", def: "odbc", initFails: false },
      { _tag: "PyMutex_Lock", def: "odbc" },
      { _tag: "call_unsafe_library", def: "odbc" },
      { _tag: "PyMutex_Unlock", def: "odbc" },
    ],
    // stress: import once, then the library call under the mutex, over and over (a second thread with its own module instance).
    critical: (thread) => ({
      setup: asThreadInstance(thread, [{ _tag: "mod_exec", def: "odbc", initFails: false }] as const),
      body: asThreadInstance(thread, [
        { _tag: "PyMutex_Lock", def: "odbc" },
        { _tag: "call_unsafe_library", def: "odbc" },
        { _tag: "PyMutex_Unlock", def: "odbc" },
      ] as const),
    }),
  },
  fastPaths: [{ setup: [{ _tag: "mod_exec", def: "odbc", initFails: false }], loop: [{ _tag: "PyMutex_Lock", def: "odbc" }, { _tag: "PyMutex_Unlock", def: "odbc" }] }],
} as const satisfies ModelProfile<StaticMutexCall>;
