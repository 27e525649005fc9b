import type { AnyCall } from "./index.js";
import { threadId } from "./common.js";

/**
 * Example scripts: every rule of every family as a script of calls and the result each one must
 * return ("blocks" when the call is not enabled), starting from the initial state with three
 * interpreters and a registry of four slots. Data, not tests: model/model.test.ts runs them on the
 * model and impl/families.test.ts on the implementation, so both are held to the same rules.
 */
export type Line = [thread: number, call: AnyCall, expected: string];

/** Thread 2 of interpreter `interp` (a thread id, D18); a plain number `i` in a line is thread 1 of interpreter i. */
export const T2 = (interp: number): number => threadId(interp, 2);

export const E = (def: "odbc" | "mylib", name: "henv" | "ext1" | "ext2") => ({ _tag: "PyThread_EnsureGlobalLock", def, name }) as const;
export const L = (tag: "PyThread_GetGlobalLock" | "PyThread_ReleaseGlobalLock" | "PyThread_acquire_lock" | "PyThread_release_lock" | "call_unsafe_library", index: number, def: "odbc" | "mylib" = "odbc", name: "henv" | "ext1" | "ext2" = "henv") =>
  ({ _tag: tag, def, name, index }) as const;
export const RT = (tag: "Py_NewInterpreter" | "Py_EndInterpreter" | "Py_FinalizeEx" | "Py_Initialize") => ({ _tag: tag }) as const;

export const globalLockRules: [string, Line[]][] = [
  ["ensure allocates index 1 for the first lock and hands every interpreter the same index", [
    [1, E("odbc", "henv"), "1"], [2, E("odbc", "henv"), "1"], [3, E("odbc", "ext1"), "2"],
  ]],
  ["a second ensure from the same interpreter returns the same index and counts once", [
    [1, E("odbc", "henv"), "1"], [1, E("odbc", "henv"), "1"], [1, L("PyThread_ReleaseGlobalLock", 1), "0"],
    [1, L("PyThread_GetGlobalLock", 1), "error StaleIndex"],
  ]],
  ["two module instances in one interpreter each hold their own ensure: one's release leaves the other's lock", [
    [1, E("odbc", "henv"), "1"], [1, { ...E("odbc", "henv"), instance: 2 }, "1"], [1, L("PyThread_ReleaseGlobalLock", 1), "0"],
    [1, { ...L("PyThread_acquire_lock", 1), instance: 2 }, "0"], [1, L("PyThread_GetGlobalLock", 1), "error NotEnsured"],
    [1, { ...L("PyThread_release_lock", 1), instance: 2 }, "0"], [1, { ...L("PyThread_ReleaseGlobalLock", 1), instance: 2 }, "0"], [2, E("odbc", "henv"), "257"],
  ]],
  ["an ending interpreter drops the ensures of all its module instances", [
    [2, E("odbc", "henv"), "1"], [2, { ...E("odbc", "henv"), instance: 2 }, "1"], [2, RT("Py_EndInterpreter"), "0"], [1, E("odbc", "henv"), "257"],
  ]],
  ["the same name under another def is another lock", [[1, E("odbc", "henv"), "1"], [1, E("mylib", "henv"), "2"]]],
  ["get verifies the module and the name", [
    [1, E("odbc", "henv"), "1"], [1, L("PyThread_GetGlobalLock", 1), "1"],
    [1, L("PyThread_GetGlobalLock", 1, "mylib"), "error NameMismatch"], [1, L("PyThread_GetGlobalLock", 1, "odbc", "ext1"), "error NameMismatch"],
  ]],
  ["get from an interpreter that never ensured the lock is refused", [[1, E("odbc", "henv"), "1"], [2, L("PyThread_GetGlobalLock", 1), "error NotEnsured"]]],
  ["index 0 and indices never handed out are stale", [[1, L("PyThread_GetGlobalLock", 0), "error StaleIndex"], [1, L("PyThread_GetGlobalLock", 3), "error StaleIndex"]]],
  ["an index of a generation the slot has not reached yet is stale", [[1, E("odbc", "henv"), "1"], [1, L("PyThread_GetGlobalLock", 257), "error StaleIndex"]]],
  ["get checks the name before the ensure: a non-ensurer naming another lock gets NameMismatch", [
    [1, E("odbc", "henv"), "1"], [2, L("PyThread_GetGlobalLock", 1, "mylib"), "error NameMismatch"],
  ]],
  ["a stale index never reaches the lock that reused its slot", [
    [1, E("odbc", "henv"), "1"], [1, L("PyThread_ReleaseGlobalLock", 1), "0"], [2, E("odbc", "ext1"), "257"],
    [2, L("PyThread_GetGlobalLock", 1, "odbc", "ext1"), "error StaleIndex"], [2, L("PyThread_acquire_lock", 1, "odbc", "ext1"), "error StaleIndex"],
  ]],
  ["the last release frees the lock; earlier releases keep it", [
    [1, E("odbc", "henv"), "1"], [2, E("odbc", "henv"), "1"], [1, L("PyThread_ReleaseGlobalLock", 1), "0"],
    [2, L("PyThread_GetGlobalLock", 1), "1"], [2, L("PyThread_ReleaseGlobalLock", 1), "0"], [3, E("odbc", "henv"), "257"],
  ]],
  ["releasing twice is refused the second time", [
    [1, E("odbc", "henv"), "1"], [2, E("odbc", "henv"), "1"], [1, L("PyThread_ReleaseGlobalLock", 1), "0"],
    [1, L("PyThread_ReleaseGlobalLock", 1), "error NotEnsured"],
  ]],
  ["acquire blocks while another interpreter holds the lock and proceeds after release", [
    [1, E("odbc", "henv"), "1"], [2, E("odbc", "henv"), "1"], [1, L("PyThread_acquire_lock", 1), "0"],
    [2, L("PyThread_acquire_lock", 1), "blocks"], [1, L("PyThread_release_lock", 1), "0"], [2, L("PyThread_acquire_lock", 1), "0"],
  ]],
  ["the lock is not recursive: acquiring it twice is refused, not a hang", [
    [1, E("odbc", "henv"), "1"], [1, L("PyThread_acquire_lock", 1), "0"], [1, L("PyThread_acquire_lock", 1), "error Reentrant"],
  ]],
  ["only the holder may release the lock", [
    [1, E("odbc", "henv"), "1"], [2, E("odbc", "henv"), "1"], [1, L("PyThread_acquire_lock", 1), "0"],
    [2, L("PyThread_release_lock", 1), "error NotHeld"], [1, L("PyThread_release_lock", 1), "0"], [1, L("PyThread_release_lock", 1), "error NotHeld"],
  ]],
  ["releasing the ensure while holding the lock is refused", [
    [1, E("odbc", "henv"), "1"], [1, L("PyThread_acquire_lock", 1), "0"], [1, L("PyThread_ReleaseGlobalLock", 1), "error LockHeld"],
  ]],
  ["library calls need the lock held and are counted under it", [
    [1, E("odbc", "henv"), "1"], [1, L("call_unsafe_library", 1), "error NotHeld"], [1, L("PyThread_acquire_lock", 1), "0"],
    [1, L("call_unsafe_library", 1), "1"], [1, L("call_unsafe_library", 1), "2"],
  ]],
  ["a full registry refuses a new lock with CapacityExhausted", [
    [1, E("odbc", "henv"), "1"], [1, E("odbc", "ext1"), "2"], [1, E("odbc", "ext2"), "3"], [1, E("mylib", "henv"), "4"],
    [1, E("mylib", "ext1"), "error CapacityExhausted"], [2, E("odbc", "henv"), "1"],
  ]],
  ["an ending interpreter drops its ensures and lets go of a lock it holds", [
    [2, E("odbc", "henv"), "1"], [2, L("PyThread_acquire_lock", 1), "0"], [2, RT("Py_EndInterpreter"), "0"],
    [1, E("odbc", "henv"), "257"], [2, E("odbc", "henv"), "error InterpreterFinalized"], [2, RT("Py_NewInterpreter"), "0"], [2, E("odbc", "henv"), "257"],
  ]],
  ["a holder that ends while another interpreter still ensures the lock lets it go", [
    [2, E("odbc", "henv"), "1"], [3, E("odbc", "henv"), "1"], [2, L("PyThread_acquire_lock", 1), "0"], [3, L("PyThread_acquire_lock", 1), "blocks"],
    [2, RT("Py_EndInterpreter"), "0"], [3, L("PyThread_acquire_lock", 1), "0"], [3, L("call_unsafe_library", 1), "1"],
  ]],
  ["a second thread of the holder's interpreter blocks on the lock, uses the interpreter's ensure, and gets the lock after the release (D18)", [
    [1, E("odbc", "henv"), "1"], [1, L("PyThread_acquire_lock", 1), "0"], [T2(1), L("PyThread_acquire_lock", 1), "blocks"],
    [T2(1), L("PyThread_release_lock", 1), "error NotHeld"], [T2(1), L("call_unsafe_library", 1), "error NotHeld"], [1, L("call_unsafe_library", 1), "1"],
    [1, L("PyThread_release_lock", 1), "0"], [T2(1), L("PyThread_acquire_lock", 1), "0"], [T2(1), L("call_unsafe_library", 1), "2"],
    [T2(1), L("PyThread_acquire_lock", 1), "error Reentrant"], [1, L("PyThread_acquire_lock", 1), "blocks"],
  ]],
  ["the interpreter's ensure is not released while any of its threads holds the lock (D18)", [
    [2, E("odbc", "henv"), "1"], [T2(2), L("PyThread_acquire_lock", 1), "0"], [2, L("PyThread_ReleaseGlobalLock", 1), "error LockHeld"],
    [T2(2), L("PyThread_release_lock", 1), "0"], [2, L("PyThread_ReleaseGlobalLock", 1), "0"],
  ]],
  ["Py_EndInterpreter waits for another thread of the interpreter to let go of its lock; the ended interpreter's threads are refused (D18)", [
    [2, E("odbc", "henv"), "1"], [T2(2), L("PyThread_acquire_lock", 1), "0"], [2, RT("Py_EndInterpreter"), "blocks"],
    [T2(2), L("call_unsafe_library", 1), "1"], [T2(2), L("PyThread_release_lock", 1), "0"], [2, RT("Py_EndInterpreter"), "0"],
    [T2(2), L("PyThread_acquire_lock", 1), "error InterpreterFinalized"], [T2(2), RT("Py_NewInterpreter"), "0"], [T2(2), E("odbc", "henv"), "257"],
  ]],
  ["runtime finalisation ends the live subinterpreters, releases everything, and re-initialisation starts from not set", [
    [1, E("odbc", "henv"), "1"], [2, E("odbc", "ext1"), "2"], [2, RT("Py_FinalizeEx"), "error NotMainInterpreter"], [1, RT("Py_FinalizeEx"), "0"],
    [2, E("odbc", "ext1"), "error RuntimeFinalized"],
    [1, E("odbc", "henv"), "error RuntimeFinalized"], [2, RT("Py_Initialize"), "error NotMainInterpreter"], [1, RT("Py_Initialize"), "0"],
    [1, L("PyThread_GetGlobalLock", 1), "error StaleIndex"], [1, E("odbc", "henv"), "257"], [2, E("odbc", "henv"), "257"],
  ]],
  ["Py_FinalizeEx waits while a subinterpreter holds a lock (it is inside the extension), then ends it", [
    [2, E("odbc", "henv"), "1"], [2, L("PyThread_acquire_lock", 1), "0"], [1, RT("Py_FinalizeEx"), "blocks"], [2, L("PyThread_release_lock", 1), "0"],
    [1, RT("Py_FinalizeEx"), "0"], [2, L("PyThread_ReleaseGlobalLock", 1), "error RuntimeFinalized"],
  ]],
  ["the main interpreter is ended only by runtime finalisation", [[1, RT("Py_EndInterpreter"), "error MainInterpreter"], [1, RT("Py_Initialize"), "error RuntimeInitialized"]]],
];

export const S = (tag: string, key: number, extra: Record<string, unknown> = {}) => ({ _tag: tag, key, ...extra }) as unknown as AnyCall;
export const SE = (def: "odbc" | "mylib", name: "henv" | "ext1" | "ext2") => ({ _tag: "PyRuntime_store_ensure", def, name }) as const;
export const runtimeStoreRules: [string, Line[]][] = [
  ["ensure returns a non-zero key shared by every interpreter", [[1, SE("odbc", "henv"), "1"], [2, SE("odbc", "henv"), "1"]]],
  ["a new key has no value: is_set 0, get returns NULL", [[1, SE("odbc", "henv"), "1"], [1, S("PyRuntime_store_is_set", 1), "0"], [1, S("PyRuntime_store_get", 1), "0"]]],
  ["set stores a value every ensuring interpreter reads; NULL counts as set", [
    [1, SE("odbc", "henv"), "1"], [2, SE("odbc", "henv"), "1"], [1, S("PyRuntime_store_set", 1, { value: 7, owner: "raw" }), "0"],
    [2, S("PyRuntime_store_get", 1), "7"], [2, S("PyRuntime_store_set", 1, { value: 0, owner: "raw" }), "0"], [1, S("PyRuntime_store_is_set", 1), "1"],
  ]],
  ["delete clears the value and is a no-op when nothing is set", [
    [1, SE("odbc", "henv"), "1"], [1, S("PyRuntime_store_delete", 1), "0"], [1, S("PyRuntime_store_set", 1, { value: 7, owner: "raw" }), "0"],
    [1, S("PyRuntime_store_delete", 1), "0"], [1, S("PyRuntime_store_is_set", 1), "0"],
  ]],
  ["release tells the caller whether it was the last user: 0 while another interpreter still ensures, then 1", [
    [1, SE("odbc", "henv"), "1"], [2, SE("odbc", "henv"), "1"], [1, S("PyRuntime_store_release", 1), "0"], [2, S("PyRuntime_store_release", 1), "1"],
  ]],
  ["the last release deallocates the key and its storage", [
    [1, SE("odbc", "henv"), "1"], [1, S("PyRuntime_store_set", 1, { value: 7, owner: "raw" }), "0"], [1, S("PyRuntime_store_release", 1), "1"],
    [1, S("PyRuntime_store_get", 1), "error StaleIndex"], [1, SE("odbc", "henv"), "257"], [1, S("PyRuntime_store_is_set", 257), "0"],
  ]],
  ["a key ensured by two module instances of one interpreter outlives the first one's release", [
    [1, SE("odbc", "henv"), "1"], [1, { ...SE("odbc", "henv"), instance: 2 }, "1"], [1, S("PyRuntime_store_set", 1, { value: 3, owner: "raw" }), "0"],
    [1, S("PyRuntime_store_release", 1), "0"], [1, S("PyRuntime_store_get", 1, { instance: 2 }), "3"], [1, S("PyRuntime_store_release", 1, { instance: 2 }), "1"],
  ]],
  ["release of a key ensured only by another interpreter is refused", [[1, SE("odbc", "henv"), "1"], [2, S("PyRuntime_store_release", 1), "error NotEnsured"]]],
  ["reading a key this interpreter never ensured is refused", [[1, SE("odbc", "henv"), "1"], [2, S("PyRuntime_store_get", 1), "error NotEnsured"]]],
  ["an interpreter-owned value left behind by its dying owner is recorded as dangling (P4)", [
    [1, SE("odbc", "henv"), "1"], [2, SE("odbc", "henv"), "1"], [2, S("PyRuntime_store_set", 1, { value: 9, owner: "interp" }), "0"],
    [2, RT("Py_EndInterpreter"), "0"], [1, S("PyRuntime_store_get", 1), "9"],
  ]],
];

/** The same call made by the interpreter's second module instance of the def (D4, D11). */
export const I2 = (c: AnyCall): AnyCall => ({ ...c, instance: 2 }) as AnyCall;
export const MI = (def: "odbc" | "mylib", f: Partial<{ initFails: boolean; execFails: boolean; initImportsSelf: boolean }> = {}) =>
  ({ _tag: "PyModule_ExecDef", def, initFails: false, execFails: false, initImportsSelf: false, ...f }) as const;
export const D = (tag: string, def: "odbc" | "mylib" = "odbc") => ({ _tag: tag, def }) as unknown as AnyCall;
export const moduleSlotsRules: [string, Line[]][] = [
  ["the first import runs global_init, later imports do not, and all see the same handle", [
    [1, MI("odbc"), "1"], [2, MI("odbc"), "0"], [1, D("use_global_state"), "1"], [2, D("use_global_state"), "1"],
  ]],
  ["global_exit runs on the last unload only", [[1, MI("odbc"), "1"], [2, MI("odbc"), "0"], [1, D("unload_module"), "0"], [2, D("use_global_state"), "1"], [2, D("unload_module"), "1"]]],
  ["an import after global_exit initialises afresh in a new epoch", [[1, MI("odbc"), "1"], [1, D("unload_module"), "1"], [2, MI("odbc"), "1"], [2, D("use_global_state"), "2"]]],
  ["a failed global_init fails the import and leaves the count as it was; the next import retries", [
    [1, MI("odbc", { initFails: true }), "error InitFailed"], [1, D("use_global_state"), "error NotImported"], [2, MI("odbc"), "1"], [2, D("use_global_state"), "1"],
  ]],
  ["a failed exec after global_init is balanced by m_free, running global_exit", [
    [1, MI("odbc", { execFails: true }), "error ExecFailed"], [2, MI("odbc"), "1"], [2, D("use_global_state"), "2"],
  ]],
  ["a failed exec when the state is already set up changes nothing", [[1, MI("odbc"), "1"], [2, MI("odbc", { execFails: true }), "error ExecFailed"], [1, D("unload_module"), "1"]]],
  ["global_init importing its own module is an import cycle, not a hang", [[1, MI("odbc", { initImportsSelf: true }), "error ImportCycle"], [1, MI("odbc"), "1"]]],
  ["an import cycle is reported before a failing global_init, and leaves the def importable", [
    [1, MI("odbc", { initImportsSelf: true, initFails: true }), "error ImportCycle"], [2, MI("odbc", { initFails: true }), "error InitFailed"],
    [2, MI("odbc"), "1"], [2, D("use_global_state"), "1"],
  ]],
  ["two module objects of one def in one interpreter are counted apart: the first's m_free leaves the second's state", [
    [1, MI("odbc"), "1"], [1, I2(MI("odbc")), "0"], [1, I2(MI("odbc")), "error AlreadyImported"], [1, D("unload_module"), "0"],
    [1, D("use_global_state"), "error NotImported"], [1, I2(D("use_global_state")), "1"], [1, I2(D("unload_module")), "1"],
  ]],
  ["an ending interpreter unloads all its module objects of a def at once", [
    [2, MI("odbc"), "1"], [2, I2(MI("odbc")), "0"], [2, RT("Py_EndInterpreter"), "0"], [3, MI("odbc"), "1"], [3, D("use_global_state"), "2"],
  ]],
  ["importing twice in one interpreter is refused; unloading what was never imported too", [[1, MI("odbc"), "1"], [1, MI("odbc"), "error AlreadyImported"], [2, D("unload_module"), "error NotImported"]]],
  ["defs are independent", [[1, MI("odbc"), "1"], [1, MI("mylib"), "1"], [1, D("unload_module"), "1"], [1, D("use_global_state", "mylib"), "1"]]],
  ["an ending interpreter unloads its modules; the last one runs global_exit", [
    [2, MI("odbc"), "1"], [3, MI("odbc"), "0"], [2, RT("Py_EndInterpreter"), "0"], [3, D("use_global_state"), "1"], [3, RT("Py_EndInterpreter"), "0"], [1, MI("odbc"), "1"], [1, D("use_global_state"), "2"],
  ]],
  ["Py_FinalizeEx ends a subinterpreter that still has the module: its m_free runs global_exit (CPython 3.13+)", [
    [2, MI("odbc"), "1"], [1, RT("Py_FinalizeEx"), "0"], [1, RT("Py_Initialize"), "0"], [2, MI("odbc"), "1"], [2, D("use_global_state"), "2"],
  ]],
  ["runtime finalisation unloads everything and re-initialisation starts a new epoch", [
    [1, MI("odbc"), "1"], [2, MI("odbc"), "0"], [2, RT("Py_EndInterpreter"), "0"], [3, RT("Py_EndInterpreter"), "0"], [1, D("use_global_state"), "1"],
    [1, RT("Py_FinalizeEx"), "0"], [2, D("use_global_state"), "error RuntimeFinalized"], [1, RT("Py_Initialize"), "0"],
    [2, D("use_global_state"), "error NotImported"], [2, MI("odbc"), "1"], [2, D("use_global_state"), "2"],
  ]],
];

export const RI = (def: "odbc" | "mylib", setupFails = false) => ({ _tag: "mod_init", def, setupFails }) as const;
export const refcountedLockRules: [string, Line[]][] = [
  ["the first mod_init sees lock_was_just_allocated and runs setup; the rest do not", [[1, RI("odbc"), "1"], [2, RI("odbc"), "0"], [2, D("use_global_state"), "1"]]],
  ["the last mod_free sees lock_was_just_freed and runs teardown", [[1, RI("odbc"), "1"], [2, RI("odbc"), "0"], [1, D("mod_free"), "0"], [2, D("mod_free"), "1"]]],
  ["after the last free my_lock is NULL again: the next mod_init allocates a new lock object and runs setup", [
    [1, RI("odbc"), "1"], [1, D("mod_free"), "1"], [2, RI("odbc"), "1"], [2, D("use_global_state"), "2"],
  ]],
  ["my_lock survives runtime finalisation NULL: the first mod_init after Py_Initialize allocates afresh", [
    [2, RI("odbc"), "1"], [1, RT("Py_FinalizeEx"), "0"], [1, RT("Py_Initialize"), "0"], [3, RI("odbc"), "1"], [3, D("use_global_state"), "2"],
  ]],
  ["mod_init waits while another interpreter holds the lock", [
    [1, RI("odbc"), "1"], [1, D("PyThread_acquire_lock"), "0"], [2, RI("odbc"), "blocks"], [1, D("PyThread_release_lock"), "0"], [2, RI("odbc"), "0"],
  ]],
  ["mod_free waits while another interpreter holds the lock and is refused while the caller holds it", [
    [1, RI("odbc"), "1"], [2, RI("odbc"), "0"], [1, D("PyThread_acquire_lock"), "0"], [2, D("mod_free"), "blocks"], [1, D("mod_free"), "error LockHeld"],
  ]],
  ["a failed setup leaves no reference and the next mod_init runs setup again", [[1, RI("odbc", true), "error InitFailed"], [2, RI("odbc"), "1"], [2, D("use_global_state"), "1"]]],
  ["the lock is held by the interpreter: its second module instance neither takes it again nor unloads under it", [
    [1, RI("odbc"), "1"], [1, I2(RI("odbc")), "0"], [1, D("PyThread_acquire_lock"), "0"], [1, I2(D("PyThread_acquire_lock")), "error Reentrant"],
    [1, I2(D("mod_free")), "error LockHeld"], [1, I2(D("PyThread_release_lock")), "0"], [1, I2(D("mod_free")), "0"], [1, D("mod_free"), "1"],
  ]],
  ["the lock serialises library calls and only its holder releases it", [
    [1, RI("odbc"), "1"], [2, RI("odbc"), "0"], [1, D("call_unsafe_library"), "error NotHeld"], [1, D("PyThread_acquire_lock"), "0"],
    [2, D("PyThread_acquire_lock"), "blocks"], [2, D("PyThread_release_lock"), "error NotHeld"], [1, D("call_unsafe_library"), "1"],
    [1, D("PyThread_acquire_lock"), "error Reentrant"], [1, D("PyThread_release_lock"), "0"],
  ]],
  ["Py_FinalizeEx waits for a subinterpreter holding the lock, then ends it and tears down", [
    [2, RI("odbc"), "1"], [2, D("PyThread_acquire_lock"), "0"], [1, RT("Py_FinalizeEx"), "blocks"], [2, D("PyThread_release_lock"), "0"],
    [1, RT("Py_FinalizeEx"), "0"], [1, RT("Py_Initialize"), "0"], [3, RI("odbc"), "1"], [3, D("use_global_state"), "2"],
  ]],
  ["an interpreter ended while holding the lock lets it go", [
    [2, RI("odbc"), "1"], [3, RI("odbc"), "0"], [2, D("PyThread_acquire_lock"), "0"], [2, RT("Py_EndInterpreter"), "0"], [3, D("PyThread_acquire_lock"), "0"],
  ]],
  ["a second thread of the holder's interpreter blocks on the lock and gets it after the release; only the holding thread re-entering is refused (D18)", [
    [1, RI("odbc"), "1"], [1, D("PyThread_acquire_lock"), "0"], [T2(1), D("PyThread_acquire_lock"), "blocks"], [T2(1), D("PyThread_release_lock"), "error NotHeld"],
    [T2(1), D("call_unsafe_library"), "error NotHeld"], [T2(1), D("mod_free"), "blocks"], [1, D("PyThread_release_lock"), "0"],
    [T2(1), D("PyThread_acquire_lock"), "0"], [T2(1), D("PyThread_acquire_lock"), "error Reentrant"], [1, D("PyThread_acquire_lock"), "blocks"],
  ]],
  ["Py_EndInterpreter waits for another thread of the interpreter holding the lock (D18)", [
    [2, RI("odbc"), "1"], [T2(2), D("PyThread_acquire_lock"), "0"], [2, RT("Py_EndInterpreter"), "blocks"], [T2(2), D("PyThread_release_lock"), "0"],
    [2, RT("Py_EndInterpreter"), "0"], [T2(2), D("use_global_state"), "error InterpreterFinalized"],
  ]],
];

export const SX = (def: "odbc" | "mylib", initFails = false) => ({ _tag: "mod_exec", def, initFails }) as const;
export const staticMutexRules: [string, Line[]][] = [
  ["the extension's own count runs init on 0→1 and teardown on 1→0", [[1, SX("odbc"), "1"], [2, SX("odbc"), "0"], [1, D("mod_free"), "0"], [2, D("mod_free"), "1"]]],
  ["mod_exec waits for the static mutex held by another interpreter", [
    [1, SX("odbc"), "1"], [1, D("PyMutex_Lock"), "0"], [2, SX("odbc"), "blocks"], [1, D("PyMutex_Unlock"), "0"], [2, SX("odbc"), "0"],
  ]],
  ["the holder's second PyMutex_Lock waits for itself: a self-deadlock, not an error", [
    [1, SX("odbc"), "1"], [1, D("PyMutex_Lock"), "0"], [1, D("PyMutex_Lock"), "blocks"], [1, SX("mylib"), "1"], [1, D("mod_free"), "blocks"],
  ]],
  ["any interpreter may unlock the PyMutex (it has no owner); unlocking it while unlocked is Py_FatalError", [
    [1, SX("odbc"), "1"], [2, SX("odbc"), "0"], [1, D("PyMutex_Lock"), "0"], [2, D("PyMutex_Unlock"), "0"], [2, D("PyMutex_Unlock"), "error FatalError"],
    [1, D("call_unsafe_library"), "error NotHeld"],
  ]],
  ["with no owner, whoever finds the PyMutex locked calls into the library: after a stray unlock two interpreters are inside", [
    [1, SX("odbc"), "1"], [2, SX("odbc"), "0"], [1, D("PyMutex_Lock"), "0"], [2, D("PyMutex_Unlock"), "0"], [2, D("PyMutex_Lock"), "0"],
    [1, D("call_unsafe_library"), "1"], [2, D("call_unsafe_library"), "2"],
  ]],
  ["Py_EndInterpreter runs the extension's m_free, which waits for a PyMutex another interpreter holds", [
    [2, SX("odbc"), "1"], [3, SX("odbc"), "0"], [3, D("PyMutex_Lock"), "0"], [2, RT("Py_EndInterpreter"), "blocks"], [3, D("PyMutex_Unlock"), "0"],
    [2, RT("Py_EndInterpreter"), "0"], [3, D("use_global_state"), "1"],
  ]],
  ["nothing releases a PyMutex whose holder ends: its own m_free waits for it, and so does everyone else", [
    [2, SX("odbc"), "1"], [3, SX("odbc"), "0"], [2, D("PyMutex_Lock"), "0"], [2, RT("Py_EndInterpreter"), "blocks"], [3, D("mod_free"), "blocks"],
    [3, D("PyMutex_Lock"), "blocks"],
  ]],
  ["a failed init leaves the count at zero so the next mod_exec initialises", [[1, SX("odbc", true), "error InitFailed"], [2, SX("odbc"), "1"]]],
  ["a second thread of the holder's interpreter waits for the PyMutex like anyone else, and may unlock it (no owner, D18)", [
    [1, SX("odbc"), "1"], [1, D("PyMutex_Lock"), "0"], [T2(1), D("PyMutex_Lock"), "blocks"], [T2(1), D("call_unsafe_library"), "1"],
    [T2(1), D("PyMutex_Unlock"), "0"], [T2(1), D("PyMutex_Lock"), "0"], [1, D("PyMutex_Lock"), "blocks"],
  ]],
  ["Py_FinalizeEx ends a live subinterpreter through its m_free, which waits for the PyMutex like any locker", [
    [2, SX("odbc"), "1"], [3, SX("odbc"), "0"], [3, D("PyMutex_Lock"), "0"], [1, RT("Py_FinalizeEx"), "blocks"], [3, D("PyMutex_Unlock"), "0"],
    [1, RT("Py_FinalizeEx"), "0"], [1, RT("Py_Initialize"), "0"], [1, SX("odbc"), "1"], [1, D("use_global_state"), "2"],
  ]],
  ["the statics survive runtime finalisation and the next epoch starts clean", [
    [1, SX("odbc"), "1"], [2, RT("Py_EndInterpreter"), "0"], [3, RT("Py_EndInterpreter"), "0"], [1, RT("Py_FinalizeEx"), "0"],
    [1, RT("Py_Initialize"), "0"], [1, SX("odbc"), "1"], [1, D("use_global_state"), "2"],
  ]],
];


/**
 * Ghost rules: scripts whose *ghost* state at the end is part of the rule — what no result shows
 * (how many epochs were set up and torn down, a lock abandoned by a dying holder, a value left
 * dangling). model/model.test.ts checks the model's final ghost against `ghost`; impl/families.test.ts
 * holds the implementation's ghost counters to the model's after every call of every script.
 */
export interface GhostRule {
  readonly family: "global_lock" | "runtime_store" | "module_slots" | "refcounted_lock" | "static_mutex";
  readonly script: Line[];
  /** Expected final ghost, by the names `ghostSummary` gives (only the named counters are checked). */
  readonly ghost: Readonly<Record<string, number>>;
}

export const ghostRules: [string, GhostRule][] = [
  ["an ending holder's lock is counted abandoned once", {
    family: "global_lock",
    script: [[2, E("odbc", "henv"), "1"], [3, E("odbc", "henv"), "1"], [2, L("PyThread_acquire_lock", 1), "0"], [2, RT("Py_EndInterpreter"), "0"]],
    ghost: { abandoned: 1, leaks: 0 },
  }],
  ["each epoch counts one global_init and one global_exit; a failed exec counts both", {
    family: "module_slots",
    script: [[1, MI("odbc"), "1"], [1, D("unload_module"), "1"], [2, MI("odbc", { execFails: true }), "error ExecFailed"], [3, MI("odbc"), "1"]],
    ghost: { "odbc.inits": 3, "odbc.exits": 2, "mylib.inits": 0 },
  }],
  ["a failed global_init counts nothing", {
    family: "module_slots",
    script: [[1, MI("odbc", { initFails: true }), "error InitFailed"], [1, MI("odbc", { initImportsSelf: true }), "error ImportCycle"]],
    ghost: { "odbc.inits": 0, "odbc.exits": 0 },
  }],
  ["a value released by its last user, who was told so, is not counted as dropped", {
    family: "runtime_store",
    script: [[1, SE("odbc", "henv"), "1"], [1, S("PyRuntime_store_set", 1, { value: 7, owner: "raw" }), "0"], [1, S("PyRuntime_store_release", 1), "1"]],
    ghost: { dropped: 0, dangling: 0 },
  }],
  ["a value still set when its last ensurer ends is dropped unseen", {
    family: "runtime_store",
    script: [[2, SE("odbc", "henv"), "1"], [2, S("PyRuntime_store_set", 1, { value: 5, owner: "raw" }), "0"], [2, RT("Py_EndInterpreter"), "0"]],
    ghost: { dropped: 1, dangling: 0 },
  }],
  ["an interpreter-owned value that goes away with its owner's storage is dropped, not dangling", {
    family: "runtime_store",
    script: [[2, SE("odbc", "henv"), "1"], [2, S("PyRuntime_store_set", 1, { value: 9, owner: "interp" }), "0"], [2, RT("Py_EndInterpreter"), "0"]],
    ghost: { dropped: 1, dangling: 0 },
  }],
  ["a main-interpreter value left at Py_FinalizeEx is dropped (a leak), not dangling", {
    family: "runtime_store",
    script: [
      [1, SE("odbc", "henv"), "1"], [1, S("PyRuntime_store_set", 1, { value: 4, owner: "interp" }), "0"], [2, RT("Py_EndInterpreter"), "0"],
      [3, RT("Py_EndInterpreter"), "0"], [1, RT("Py_FinalizeEx"), "0"],
    ],
    ghost: { dropped: 1, dangling: 0, leaks: 0 },
  }],
  ["an interpreter-owned value whose owner ends while another interpreter still reads it dangles", {
    family: "runtime_store",
    script: [[1, SE("odbc", "henv"), "1"], [2, SE("odbc", "henv"), "1"], [2, S("PyRuntime_store_set", 1, { value: 9, owner: "interp" }), "0"], [2, RT("Py_EndInterpreter"), "0"]],
    ghost: { dangling: 1 },
  }],
  ["the refcounted lock's ending holder is counted abandoned and the last teardown counted", {
    family: "refcounted_lock",
    script: [[2, RI("odbc"), "1"], [3, RI("odbc"), "0"], [2, D("PyThread_acquire_lock"), "0"], [2, RT("Py_EndInterpreter"), "0"], [3, D("mod_free"), "1"]],
    ghost: { abandoned: 1, "odbc.inits": 1, "odbc.exits": 1 },
  }],
  ["Py_FinalizeEx ends a subinterpreter that still ensures a lock: nothing leaks", {
    family: "global_lock",
    script: [[2, E("odbc", "henv"), "1"], [3, E("odbc", "ext1"), "2"], [1, RT("Py_FinalizeEx"), "0"]],
    ghost: { leaks: 0, abandoned: 0 },
  }],
  ["Py_FinalizeEx ends a subinterpreter that still has the module: global_exit runs, nothing leaks", {
    family: "module_slots",
    script: [[2, MI("odbc"), "1"], [3, MI("mylib"), "1"], [1, RT("Py_FinalizeEx"), "0"]],
    ghost: { "odbc.exits": 1, "mylib.exits": 1, leaks: 0 },
  }],
  ["Py_FinalizeEx drops a value a live subinterpreter left in the store (a leak, P7)", {
    family: "runtime_store",
    script: [[2, SE("odbc", "henv"), "1"], [2, S("PyRuntime_store_set", 1, { value: 3, owner: "raw" }), "0"], [1, RT("Py_FinalizeEx"), "0"]],
    ghost: { dropped: 1, dangling: 0, leaks: 0 },
  }],
  ["the baseline's epochs are counted across runtime finalisation", {
    family: "static_mutex",
    script: [[1, SX("odbc"), "1"], [2, RT("Py_EndInterpreter"), "0"], [3, RT("Py_EndInterpreter"), "0"], [1, RT("Py_FinalizeEx"), "0"], [1, RT("Py_Initialize"), "0"], [1, SX("odbc"), "1"]],
    ghost: { "odbc.inits": 2, "odbc.exits": 1, leaks: 0 },
  }],
];
