import { Schema } from "effect";
import { Def, Instance, RuntimeCall, describeThread } from "./common.js";
import type { FamilyModel } from "./family.js";
import type { ModelProfile } from "./profile.js";
import { describeLifecycle, initLifecycle, lifecycleKey, stepLifecycle, type LifecycleOp, type LifecycleState } from "./lifecycle.js";

/**
 * Module slots `Py_mod_global_init` / `Py_mod_global_exit` — Erlend Aasland's proposal (thread.txt,
 * "a pair of new module slots combined with some ref. counting mechanism in for example the import
 * machinery"), with the pseudo-code of `PyModule_ExecDef` / `unload_module` from the same thread.
 * The runtime keeps a refcount per module def; global_init runs on 0→1 before any interpreter's
 * `Py_mod_exec` proceeds, global_exit on 1→0; the runtime's own lock protects both, so the
 * extension writes no locking code at all.
 */

/**
 * Executing a module def in the calling interpreter (an import). The flags say how the extension's
 * slots behave in this call: global_init fails, Py_mod_exec fails, or global_init imports the
 * module itself (an import cycle).
 */
export const PyModule_ExecDef = Schema.TaggedStruct("PyModule_ExecDef", {
  def: Def,
  instance: Schema.optional(Instance),
  initFails: Schema.Boolean,
  execFails: Schema.Boolean,
  initImportsSelf: Schema.Boolean,
});
/** The module instance is freed (m_free), e.g. when its interpreter unloads it. */
export const unload_module = Schema.TaggedStruct("unload_module", { def: Def, instance: Schema.optional(Instance) });
/** The extension uses its process-global state (reads the `henv` handle). */
export const use_global_state = Schema.TaggedStruct("use_global_state", { def: Def, instance: Schema.optional(Instance) });

export const ModuleSlotsCall = Schema.Union(PyModule_ExecDef, unload_module, use_global_state, RuntimeCall);
export type ModuleSlotsCall = typeof ModuleSlotsCall.Type;

/** The call as an abstract lifecycle operation (model/lifecycle.ts); the implementation maps calls the same way. */
export function moduleSlotsOp(call: ModuleSlotsCall): LifecycleOp {
  switch (call._tag) {
    case "PyModule_ExecDef":
      return { op: "import", def: call.def, instance: call.instance ?? 1, initFails: call.initFails, execFails: call.execFails, initImportsSelf: call.initImportsSelf };
    case "unload_module":
      return { op: "unload", def: call.def, instance: call.instance ?? 1 };
    case "use_global_state":
      return { op: "use", def: call.def, instance: call.instance ?? 1 };
    default:
      return { op: "runtime", tag: call._tag };
  }
}

function describeCall(thread: number, call: ModuleSlotsCall): string {
  const who = `in ${describeThread(thread)}${"instance" in call && call.instance !== undefined && call.instance !== 1 ? ` (module instance ${call.instance})` : ""}`;
  switch (call._tag) {
    case "PyModule_ExecDef": {
      const how = [call.initFails && "global_init fails", call.execFails && "exec fails", call.initImportsSelf && "global_init imports itself"]
        .filter(Boolean)
        .join(", ");
      return `import ${call.def} (PyModule_ExecDef${how ? `; ${how}` : ""}) ${who}`;
    }
    case "unload_module":
      return `unload ${call.def} (m_free) ${who}`;
    case "use_global_state":
      return `use ${call.def}'s global state ${who}`;
    default:
      return `${call._tag}() ${who}`;
  }
}

export const moduleSlotsModel: FamilyModel<LifecycleState, ModuleSlotsCall> = {
  family: "module_slots",
  title: "Module slots Py_mod_global_init / Py_mod_global_exit with a runtime refcount per def",
  Call: ModuleSlotsCall,
  init: initLifecycle,
  step: (s, interp, call) => stepLifecycle(s, interp, moduleSlotsOp(call), "none"),
  key: lifecycleKey,
  ghost: (s) => s.ghost,
  describeCall,
  describeState: (s) => describeLifecycle(s, "lock"),
  partitionOf: (call) => ("def" in call ? call.def : undefined),
};

/** Module slots Py_mod_global_init / Py_mod_global_exit with the runtime's refcount per def. */
export const moduleSlotsProfile = {
  family: "module_slots",
  model: moduleSlotsModel,
  globalState: "lifecycle",
  undeclaredCClient: true,
  runtimeCounts: "module-instances",
  extensionCallbacks: {
    exec: (def) => ({ _tag: "PyModule_ExecDef", def, initFails: false, execFails: false, initImportsSelf: false }),
    free: (def) => ({ _tag: "unload_module", def }),
  },
  usage: {
    open: "PyModule_ExecDef",
    close: "unload_module",
    uses: ["use_global_state"],
    // import (global_init on 0→1), use henv, unload (global_exit on 1→0).
    typical: [
      { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false },
      { _tag: "use_global_state", def: "odbc" },
      { _tag: "unload_module", def: "odbc" },
    ],
    // stress: import/use/unload churn through 1→0→1, global_init and global_exit racing across workers.
    critical: () => ({
      setup: [],
      body: [
        { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false },
        { _tag: "use_global_state", def: "odbc" },
        { _tag: "unload_module", def: "odbc" },
      ],
    }),
  },
  fastPaths: [
    { setup: [{ _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false }], loop: [{ _tag: "use_global_state", def: "odbc" }] },
  ],
} as const satisfies ModelProfile<ModuleSlotsCall>;
