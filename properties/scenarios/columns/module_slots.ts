/**
 * module_slots — Py_mod_global_init / Py_mod_global_exit: the runtime counts module instances and
 * calls back on 0→1 and 1→0. module_slots_lock is the combination the thread discusses
 * (l.187-197): the global slots plus a lock the extension allocates in Py_mod_global_init and
 * destroys in Py_mod_global_exit (Petr's recipe: "In Py_mod_global_init you'd initialize that
 * structure and allocate a lock to protect it … In Py_mod_global_exit, the structure must be
 * empty. Destroy it and the lock."), per-resource refcounts under that lock.
 */
import type { Code } from "../../../impl/memory.js";
import { defineClient, ok, type HookResult } from "../contract.js";
import { countedDrop, countedGetOrCreate, fromApi, henvExit, henvInit, lockAllocated, underStaticMutex, useStaticHandle, type Api, type ExtLock } from "./shared.js";
import { countsUnderMutex, smDrop, smGetOrCreate } from "./static_mutex.js";

export const moduleSlots = defineClient({
  family: "module_slots",
  name: "module_slots",
  failedExec: "no-module",
  // client module_slots:import module_slots_lock:import
  *exec(x) {
    return fromApi(yield* x.call({ _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false }));
  },
  // end client
  // client module_slots:unload module_slots_lock:unload
  *free(x) {
    return fromApi(yield* x.call({ _tag: "unload_module", def: "odbc" }));
  },
  // end client
  globalInit: henvInit,
  globalExit: henvExit,
  use: useStaticHandle,
  // Several resources: the slots count the module only, so the extension keeps per-resource
  // refcounts under a static PyMutex — the static_mutex code, counted again here.
  acquire: smGetOrCreate,
  release: smDrop,
  library: underStaticMutex,
  disciplines: countsUnderMutex,
});

// client module_slots_lock:import,unload,end,finalize
function* initWithLock(x: Api): Code<boolean> {
  if (!(yield* henvInit(x))) return false;
  yield* x.lib.allocLock();
  return true;
}
function* exitWithLock(x: Api): Code<void> {
  yield* x.lib.destroyLock();
  yield* henvExit(x);
}
// end client

const allocatedLock: ExtLock = { take: lockAllocated, give: (x) => x.unlock() };

// client module_slots_lock:library
function* slLibrary(x: Api): Code<HookResult> {
  yield* lockAllocated(x);
  yield* x.lib.call();
  yield* x.unlock();
  return ok();
}
// end client

export const moduleSlotsLock = defineClient({
  ...moduleSlots,
  name: "module_slots_lock",
  globalInit: initWithLock,
  globalExit: exitWithLock,
  acquire: (x, r) => countedGetOrCreate(x, r, allocatedLock),
  release: (x, r) => countedDrop(x, r, allocatedLock),
  library: slLibrary,
});
