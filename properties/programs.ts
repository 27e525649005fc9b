import { refTo, type AnyCall, type FamilyName } from "../model/index.js";

/**
 * Each family's typical program: what one interpreter running an extension does with the API in
 * one import/use/unload cycle. The verification job runs it in every interpreter at once and
 * explores all interleavings; `cycles` repeats it (import/unload churn through 1→0→1).
 */

const henv = refTo("odbc", "henv");

const typical: Record<FamilyName, readonly AnyCall[]> = {
  // ensure the lock, check the index, take the lock around a library call, release both.
  global_lock: [
    { _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" },
    { _tag: "PyThread_GetGlobalLock", def: "odbc", name: "henv", index: henv },
    { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: henv },
    { _tag: "call_unsafe_library", def: "odbc", name: "henv", index: henv },
    { _tag: "PyThread_release_lock", def: "odbc", name: "henv", index: henv },
    { _tag: "PyThread_ReleaseGlobalLock", def: "odbc", name: "henv", index: henv },
  ],
  // ensure the key, publish a raw value, read it back, release the key.
  runtime_store: [
    { _tag: "PyRuntime_store_ensure", def: "odbc", name: "henv" },
    { _tag: "PyRuntime_store_set", key: henv, value: 7, owner: "raw" },
    { _tag: "PyRuntime_store_get", key: henv },
    { _tag: "PyRuntime_store_release", key: henv },
  ],
  // import (global_init on 0→1), use henv, unload (global_exit on 1→0).
  module_slots: [
    { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false },
    { _tag: "use_global_state", def: "odbc" },
    { _tag: "unload_module", def: "odbc" },
  ],
  // mod_init (setup when just allocated), my_func under the lock, mod_free (teardown when just freed).
  refcounted_lock: [
    { _tag: "mod_init", def: "odbc", setupFails: false },
    { _tag: "use_global_state", def: "odbc" },
    { _tag: "PyThread_acquire_lock", def: "odbc" },
    { _tag: "call_unsafe_library", def: "odbc" },
    { _tag: "PyThread_release_lock", def: "odbc" },
    { _tag: "mod_free", def: "odbc" },
  ],
  // the extension's own code around a static PyMutex.
  static_mutex: [
    { _tag: "mod_exec", def: "odbc", initFails: false },
    { _tag: "use_global_state", def: "odbc" },
    { _tag: "PyMutex_Lock", def: "odbc" },
    { _tag: "call_unsafe_library", def: "odbc" },
    { _tag: "PyMutex_Unlock", def: "odbc" },
    { _tag: "mod_free", def: "odbc" },
  ],
};

/** The typical program of a family, repeated `cycles` times. */
export function typicalProgram(family: FamilyName, cycles = 1): AnyCall[] {
  const one = typical[family];
  const out: AnyCall[] = [];
  for (let c = 0; c < cycles; c++) out.push(...one);
  return out;
}

/** The same typical program in each of `interpreters` interpreters. */
export function typicalPrograms(family: FamilyName, interpreters: number, cycles = 1): AnyCall[][] {
  return Array.from({ length: interpreters }, () => typicalProgram(family, cycles));
}
