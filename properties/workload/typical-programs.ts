import { refTo, threadId, withThreads, type AnyCall, type FamilyName, type Threaded } from "../../model/index.js";

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

/** The families whose locks have holders: the ones where a thread is not an interpreter (D18). */
export const lockFamilies = ["global_lock", "refcounted_lock", "static_mutex"] as const satisfies readonly FamilyName[];
export type LockFamily = (typeof lockFamilies)[number];

/** What the first thread does: set up (ensure / import), then the library call under the lock. */
const holderProgram: Record<LockFamily, readonly AnyCall[]> = {
  global_lock: [
    { _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" },
    { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: henv },
    { _tag: "call_unsafe_library", def: "odbc", name: "henv", index: henv },
    { _tag: "PyThread_release_lock", def: "odbc", name: "henv", index: henv },
  ],
  refcounted_lock: [
    { _tag: "mod_init", def: "odbc", setupFails: false },
    { _tag: "PyThread_acquire_lock", def: "odbc" },
    { _tag: "call_unsafe_library", def: "odbc" },
    { _tag: "PyThread_release_lock", def: "odbc" },
  ],
  static_mutex: [
    { _tag: "mod_exec", def: "odbc", initFails: false },
    { _tag: "PyMutex_Lock", def: "odbc" },
    { _tag: "call_unsafe_library", def: "odbc" },
    { _tag: "PyMutex_Unlock", def: "odbc" },
  ],
};

/**
 * What the second thread of the same interpreter does: the same library call under the same lock.
 * The registry family's thread ensures too — a second ensure by the same module instance counts
 * once (D4) — because an index is what a thread *received*. In the lifecycle families it imports
 * the interpreter's second module instance first, so that its lock call never runs before an
 * import: a program cannot test a result, and without an import its library call would be the
 * unlocked call that the shipped PyMutex, having no owner, cannot refuse while the holder is
 * inside (the P9 hazard D14 already shows with two interpreters).
 */
const asInstance2 = (calls: readonly AnyCall[]): AnyCall[] => calls.map((c) => ({ ...c, instance: 2 }) as AnyCall);
const siblingProgram: Record<LockFamily, readonly AnyCall[]> = {
  global_lock: holderProgram.global_lock,
  refcounted_lock: asInstance2(holderProgram.refcounted_lock),
  static_mutex: asInstance2(holderProgram.static_mutex),
};

/**
 * Two threads in one interpreter (D18): thread 1 of interpreter 1 sets up and calls the
 * thread-unsafe library under the family's lock while thread 2 of interpreter 1 does the same —
 * a sibling must block on the holder's lock, not pass for it (`Reentrant`, or a second caller in
 * the library). The explorer runs it with symmetry off and the implementation in a config with two
 * threads per interpreter (properties/agreement.ts `configFor`).
 */
export function siblingThreadPrograms(family: LockFamily): Threaded<AnyCall[][]> {
  return withThreads([[...holderProgram[family]], [...siblingProgram[family]]], [threadId(1, 1), threadId(1, 2)]);
}
