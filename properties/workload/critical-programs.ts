import { INSTANCES, refTo, threadIndexOf, type AnyCall } from "../../model/index.js";

/**
 * Programs for stress runs, generated inside each worker (so a run of 10^6 calls posts nothing but
 * a seed and a length). Each export has the stress runner's generator shape
 * `(thread, seed, length) => Iterable<Call>`: the thread id (model D18), which is the interpreter id
 * for an interpreter's first thread.
 *
 * The *critical* programs take a reference once, then loop over a critical section — lock, one
 * non-atomic library call, unlock — and never give the reference back: runtime finalisation must
 * then clean up after them (P7). The library counter ends at exactly (workers × loops) only if the
 * lock keeps mutual exclusion (P9).
 */
const idx = refTo("odbc", "henv");

/**
 * The setup calls, then as many *whole* iterations of the body as fit in `length` calls: a program
 * never stops inside its critical section (it would leave the lock held and its peers blocked).
 */
function* loop(setup: readonly AnyCall[], body: readonly AnyCall[], length: number): Iterable<AnyCall> {
  if (length < setup.length) return;
  yield* setup;
  const iterations = Math.floor((length - setup.length) / body.length);
  for (let i = 0; i < iterations; i++) yield* body;
}

export const critical_global_lock = (_interp: number, _seed: number, length: number): Iterable<AnyCall> =>
  loop(
    [{ _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" }],
    [
      { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: idx },
      { _tag: "call_unsafe_library", def: "odbc", name: "henv", index: idx },
      { _tag: "PyThread_release_lock", def: "odbc", name: "henv", index: idx },
    ],
    length,
  );

/**
 * A lifecycle family's calls as thread `thread` makes them (D18): an interpreter's second thread
 * imports and uses the interpreter's second module instance, so that its lock never runs before
 * an import of its own (a program cannot wait for its sibling's import). Thread 1 names none.
 */
function byThread(thread: number, calls: readonly AnyCall[]): AnyCall[] {
  const k = threadIndexOf(thread);
  if (k > INSTANCES) throw new RangeError(`stress programs give each thread of an interpreter its own module instance: at most ${INSTANCES} threads per interpreter, got thread ${k}`);
  return k === 1 ? [...calls] : calls.map((c) => ({ ...c, instance: k }) as AnyCall);
}

export const critical_refcounted_lock = (thread: number, _seed: number, length: number): Iterable<AnyCall> =>
  loop(
    byThread(thread, [{ _tag: "mod_init", def: "odbc", setupFails: false }]),
    byThread(thread, [
      { _tag: "PyThread_acquire_lock", def: "odbc" },
      { _tag: "call_unsafe_library", def: "odbc" },
      { _tag: "PyThread_release_lock", def: "odbc" },
    ]),
    length,
  );

export const critical_static_mutex = (thread: number, _seed: number, length: number): Iterable<AnyCall> =>
  loop(
    byThread(thread, [{ _tag: "mod_exec", def: "odbc", initFails: false }]),
    byThread(thread, [
      { _tag: "PyMutex_Lock", def: "odbc" },
      { _tag: "call_unsafe_library", def: "odbc" },
      { _tag: "PyMutex_Unlock", def: "odbc" },
    ]),
    length,
  );

/** Store churn: publish and read a value under a key held for the whole run. */
export const critical_runtime_store = (interp: number, _seed: number, length: number): Iterable<AnyCall> =>
  loop(
    [{ _tag: "PyRuntime_store_ensure", def: "odbc", name: "henv" }],
    [
      { _tag: "PyRuntime_store_set", key: idx, value: interp, owner: "raw" },
      { _tag: "PyRuntime_store_get", key: idx },
      { _tag: "PyRuntime_store_is_set", key: idx },
    ],
    length,
  );

/** Import/use/unload churn through 1→0→1: global_init and global_exit race across workers. */
export const critical_module_slots = (_interp: number, _seed: number, length: number): Iterable<AnyCall> =>
  loop(
    [],
    [
      { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false },
      { _tag: "use_global_state", def: "odbc" },
      { _tag: "unload_module", def: "odbc" },
    ],
    length,
  );

/**
 * How many library calls the first `completed` calls of a critical program made (setup 1, then
 * bodies of lock / library call / unlock: the library call is the body's second call).
 */
export function libraryCallsDone(completed: number): number {
  return Math.floor(Math.max(0, completed) / 3);
}

/** The fewest calls a critical program needs to run its setup and one whole body. */
export const criticalMinimum: Readonly<Record<string, number>> = {
  global_lock: 4,
  refcounted_lock: 4,
  static_mutex: 4,
  runtime_store: 4,
  module_slots: 3,
};

/** How many library calls a critical program of `length` calls makes (setup 1, body of 3 with one library call). */
export function libraryCalls(length: number): number {
  return length < 1 ? 0 : Math.floor((length - 1) / 3);
}
