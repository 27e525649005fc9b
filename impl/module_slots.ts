/**
 * Module slots `Py_mod_global_init` / `Py_mod_global_exit` over shared memory: the implementation
 * of model/module_slots.ts. The runtime does all the work (Erlend's `PyModule_ExecDef` /
 * `unload_module` pseudo-code): per def, a refcount and a lifecycle lock under which global_init
 * runs on 0→1, Py_mod_exec runs, and global_exit runs on 1→0. There is no client-visible lock, so
 * an import never waits on a user — only, briefly, on another import or unload of the same def.
 * A global_init that imports its own module re-enters the import, finds the def's lifecycle lock
 * already its own (PyMutex_Lock reports "reentrant") and fails with ImportCycle instead of hanging.
 */
import { moduleSlotsModel, type Def, type ModelConfig, type ModuleSlotsCall, type Result } from "../model/index.js";
import type { LifecycleOp } from "../model/lifecycle.js";
import { moduleSlotsOp } from "../model/module_slots.js";
import { lifecycleLayout, type MutexAt } from "./layout.js";
import { Lifecycle } from "./lifecycle.js";
import type { Code } from "./memory.js";
import { subjectOf } from "./runtime.js";
import type { Subject } from "./subject.js";

export class ModuleSlots extends Lifecycle<ModuleSlotsCall> {
  constructor(config: ModelConfig) {
    super(config, lifecycleLayout("module_slots"));
  }

  protected toOp(call: ModuleSlotsCall): LifecycleOp {
    return moduleSlotsOp(call);
  }

  // No client lock: the runtime's lifecycle lock is the only one.
  protected *openClientLock(_def: Def, _interp: number): Code<MutexAt | undefined> {
    return undefined;
  }
  protected *closeClientLock(_def: Def, _interp: number): Code<void> {}
  protected *clientLock(_def: Def): Code<MutexAt | undefined> {
    return undefined;
  }
  protected *endInstance(_def: Def, _interp: number): Code<void> {}
}

/** The module-slots family as a Subject (a variant passes its own subclass instance and name). */
export function module_slots(config: ModelConfig, impl: ModuleSlots = new ModuleSlots(config), name = "module_slots"): Subject<ModuleSlotsCall, Result> {
  return subjectOf(name, impl, moduleSlotsModel.describeCall);
}
