/*
 * interlock.h — what C code under test includes instead of Python.h's concurrency parts.
 *
 * interlock compiles the C file to WebAssembly and runs each interpreter's calls as a coroutine
 * that the explorer schedules one shared access at a time. Every access to a global or static
 * variable is a shared access: a plain `module_count++` is a load and a store (two steps another
 * interpreter can come between), `_Py_atomic_add_int(&module_count, 1)` is one. Local variables
 * are private. Each step records the file and line that made it, so a report points at your code.
 *
 * Shared memory is int32 words: keep globals that threads share to `int`, `unsigned`, `Py_ssize_t`
 * (32-bit here) and pointers; a `char` or `long long` global is refused when touched (a trap that
 * names the line). Accesses are explored sequentially consistent (the memory-order suffixes below
 * are accepted and mean the same): interlock checks the algorithm, not weak-memory reorderings.
 *
 * There is no C library: no malloc, no printf. Write C11; `static inline` helpers are fine.
 */
#ifndef INTERLOCK_H
#define INTERLOCK_H

typedef int Py_ssize_t;

#define IL_EXPORT(name) __attribute__((export_name(#name))) name

/* ---- the shared-access primitives interlock schedules (implemented by the explorer) ---- */

/* Futex wait: sleeps while *addr == expected, until il_futex_wake(addr, …). */
void il_futex_wait(int *addr, int expected);
/* Futex wake: wakes up to `count` sleepers on addr; returns how many woke. */
int il_futex_wake(int *addr, int count);
/*
 * Loop checkpoints (impl/README.md, "Helping the explorer search"): il_loop_enter(scope) before a
 * wait loop, il_loop_head(scope, v) at the top of each iteration, promising that from there on the
 * code depends only on what it saw before the loop plus v. Not scheduling points.
 */
void il_loop_enter(int *scope);
void il_loop_head(int *scope, int v);

/*
 * Symmetry (impl/README.md, "Helping the explorer search"): name the globals that hold interpreter
 * identities, so the explorer can treat interpreters that run the same program as interchangeable
 * and store one state per renaming. At file scope, after the global's definition:
 *   IL_INTERP_IDS(holder);        an interpreter id, or 0, per int (every element of an array)
 *   IL_INTERP_MASK(alive);        a bit mask, bit i-1 for interpreter i
 *   IL_INSTANCE_MASK(importers);  IL_INSTANCES bits per interpreter: bit (i-1)*IL_INSTANCES + k-1
 *                                 for module instance k of interpreter i
 * Nothing is trusted: the explorer checks every renaming it uses and searches without symmetry if
 * one fails, so a wrong declaration costs the reduction, never a missed interleaving.
 */
#define IL_INTERP_IDS(var) __attribute__((used)) static const int __il_ids__##var = 0
#define IL_INTERP_MASK(var) __attribute__((used)) static const int __il_mask__##var = 0
#define IL_INSTANCE_MASK(var) __attribute__((used)) static const int __il_wide__##var = 0

/* ---- CPython's _Py_atomic_* (Include/cpython/pyatomic.h), for int, Py_ssize_t and pointers ---- */

#define _Py_atomic_load_int(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define _Py_atomic_load_int_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define _Py_atomic_load_int_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define _Py_atomic_store_int(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define _Py_atomic_store_int_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define _Py_atomic_store_int_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define _Py_atomic_add_int(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define _Py_atomic_exchange_int(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define _Py_atomic_or_int(p, v) __atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define _Py_atomic_and_int(p, v) __atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)
/* 1 and *p = desired if *p == *expected; else 0 and *expected = *p (CPython's signature). */
#define _Py_atomic_compare_exchange_int(p, expected, desired) \
  __atomic_compare_exchange_n((p), (expected), (desired), 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define _Py_atomic_load_ssize _Py_atomic_load_int
#define _Py_atomic_store_ssize _Py_atomic_store_int
#define _Py_atomic_add_ssize _Py_atomic_add_int
#define _Py_atomic_load_ptr(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define _Py_atomic_store_ptr(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

/* ---- PyMutex (Include/cpython/lock.h): a futex mutex, 0 unlocked, 1 locked, 2 locked with waiters ---- */

typedef struct { int _bits; } PyMutex;

static inline void PyMutex_Lock(PyMutex *m) {
  int c = 0;
  if (__atomic_compare_exchange_n(&m->_bits, &c, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return;
  il_loop_enter(&m->_bits);
  for (;;) {
    il_loop_head(&m->_bits, 0);
    if (__atomic_exchange_n(&m->_bits, 2, __ATOMIC_SEQ_CST) == 0) return;
    il_futex_wait(&m->_bits, 2);
  }
}

static inline void PyMutex_Unlock(PyMutex *m) {
  if (__atomic_exchange_n(&m->_bits, 0, __ATOMIC_SEQ_CST) == 2) il_futex_wake(&m->_bits, 1);
}

/* ---- the ODBC-like C library an extension wraps (interlock's library monitor) ---- */
/*
 * The thread-unsafe library with one process-global handle that the scenarios use
 * (properties/scenarios/library.ts): interlock provides it, as steps the explorer interleaves, and
 * its monitor reports a second init while a handle is live (P1), a free of a handle that is not
 * the live one or a use of a freed one (P2), and two interpreters inside il_library_call (P9).
 */
int il_library_init(void);        /* SQLAllocHandle: a fresh handle, or 0 if the library refuses */
void il_library_fini(int handle); /* SQLFreeHandle: the handle must be the live one */
int il_library_use(int handle);   /* a call that uses the handle; returns it */
void il_library_call(void);       /* a thread-unsafe call: nobody else may be inside at once */
/*
 * The same for any resource r of the scenarios (IL_RES_henv, IL_RES_ext1, IL_RES_ext2,
 * IL_RES_cache below): the library keeps one live handle per resource, and an extension that
 * acquires several (acquire_resource / release_resource) sets each up and frees it on its own.
 */
int il_library_resource_init(int r);
void il_library_resource_fini(int handle_and_r);
int il_library_resource_use(int handle_and_r);
#define il_library_init_res(r) il_library_resource_init(r)
#define il_library_fini_res(r, h) il_library_resource_fini((h) * 8 + (r))
#define il_library_use_res(r, h) il_library_resource_use((h) * 8 + (r))

/*
 * An extension in C (cfront/client-column.ts) exports its module's hooks — the client contract of
 * properties/scenarios/contract.ts — and interlock plays CPython around them (interpreters, module
 * instances, m_free after a failed exec and when an interpreter ends, finalisation):
 *   int  IL_EXPORT(Py_mod_exec)(int interp);       0 on success, -1 if the import fails
 *   void IL_EXPORT(m_free)(int interp);
 *   int  IL_EXPORT(use_resource)(int interp, int r);      a module function using resource r
 *        (or IL_EXPORT(use_henv)(int interp) when it only ever uses henv); returns the handle
 *   int  IL_EXPORT(acquire_resource)(int interp, int r);  get-or-create of r: 0, or -1 on failure
 *   int  IL_EXPORT(release_resource)(int interp, int r);  its end
 *   void IL_EXPORT(call_library)(int interp);     a module function calling the unsafe library
 * and, for module_slots and refcounted_lock, IL_EXPORT(Py_mod_global_init)(void) returning 0 or -1
 * and IL_EXPORT(Py_mod_global_exit)(void) (their Py_mod_exec / m_free may be left out: the import
 * and unload are then the family's own PyModule_ExecDef / unload_module, mod_init / mod_free).
 * r numbers the resources: IL_RES_henv 0, IL_RES_ext1 1, IL_RES_ext2 2, IL_RES_cache 3.
 * IL_FAMILY(f) at file scope says which family the file is written against (global_lock,
 * runtime_store, refcounted_lock, module_slots, static_mutex); `--family` must agree with it.
 */
enum { IL_RES_henv = 0, IL_RES_ext1 = 1, IL_RES_ext2 = 2, IL_RES_cache = 3 };
#define IL_FAMILY(f) __attribute__((used)) static const int __il_family__##f = 0

/* ---- the API families' vocabulary, shared with the TypeScript model (cfront/family.ts checks it) ---- */

/* Module defs (model/common.ts Def). */
enum { IL_odbc = 0, IL_mylib = 1, IL_DEFS = 2 };

/* Names of process-global resources (model/common.ts Name). */
enum { IL_henv = 0, IL_ext1 = 1, IL_ext2 = 2, IL_NAMES = 3 };

/*
 * Call tags of every family (model/<family>.ts <Family>Call), one numbering for all: a name two
 * families share (use_global_state, PyThread_acquire_lock …) has one number. module_slots' seven
 * come first.
 */
enum {
  /* module_slots (and the runtime calls every family has) */
  IL_PyModule_ExecDef = 0,
  IL_unload_module = 1,
  IL_use_global_state = 2,
  IL_Py_NewInterpreter = 3,
  IL_Py_EndInterpreter = 4,
  IL_Py_FinalizeEx = 5,
  IL_Py_Initialize = 6,
  /* static_mutex (and refcounted_lock's use_global_state / call_unsafe_library / mod_free) */
  IL_mod_exec = 7,
  IL_mod_free = 8,
  IL_PyMutex_Lock = 9,
  IL_PyMutex_Unlock = 10,
  IL_call_unsafe_library = 11,
  /* refcounted_lock (PyThread_acquire_lock / release_lock also global_lock's) */
  IL_mod_init = 12,
  IL_PyThread_acquire_lock = 13,
  IL_PyThread_release_lock = 14,
  /* global_lock */
  IL_PyThread_EnsureGlobalLock = 15,
  IL_PyThread_GetGlobalLock = 16,
  IL_PyThread_ReleaseGlobalLock = 17,
  /* runtime_store */
  IL_PyRuntime_store_ensure = 18,
  IL_PyRuntime_store_release = 19,
  IL_PyRuntime_store_is_set = 20,
  IL_PyRuntime_store_set = 21,
  IL_PyRuntime_store_get = 22,
  IL_PyRuntime_store_delete = 23,
};

/*
 * A call's flags. IL_INIT_FAILS: the extension's global init (PyModule_ExecDef), init (mod_exec)
 * or setup (mod_init) fails in this call; IL_EXEC_FAILS and IL_INIT_IMPORTS_SELF: PyModule_ExecDef
 * only. IL_INSTANCE_2 (any call that names a def) says the call is made by the interpreter's second
 * module instance of the def (the model's `instance: 2`; without it, instance 1): runtimes count
 * module instances, not interpreters (model decision D11), and one interpreter may hold
 * IL_INSTANCES module objects of one def, each imported and unloaded alone. IL_OWNER_INTERP
 * (PyRuntime_store_set): the value is owned by the calling interpreter (its allocator), not raw
 * process memory.
 */
enum { IL_INIT_FAILS = 1, IL_EXEC_FAILS = 2, IL_INIT_IMPORTS_SELF = 4, IL_INSTANCE_2 = 8, IL_OWNER_INTERP = 16 };
enum { IL_INSTANCES = 2 };

/* Errors (model/common.ts ErrorCode, same order); a family entry returns IL_ERR(code) or a value >= 0. */
enum {
  IL_CapacityExhausted, IL_StaleIndex, IL_NameMismatch, IL_NotEnsured, IL_LockHeld, IL_NotHeld,
  IL_FatalError, IL_Reentrant, IL_AlreadyImported, IL_NotImported, IL_ImportCycle, IL_InitFailed, IL_ExecFailed,
  IL_InterpreterFinalized, IL_InterpreterAlive, IL_RuntimeFinalized, IL_RuntimeInitialized,
  IL_NotMainInterpreter, IL_MainInterpreter,
};
#define IL_ERR(code) (-1 - (code))

/*
 * A family implemented in C exports one entry per family it implements, e.g.
 *   int IL_EXPORT(il_static_mutex)(int interp, int tag, int def, int flags, int interpreters,
 *                                   int name, int index, int value);
 * (il_global_lock, il_runtime_store, il_refcounted_lock, il_module_slots, il_static_mutex): tag,
 * def, name and flags numbered as above (-1 for a def or name the call has none of), index the
 * global lock's index or the store key (references already resolved; 0 if none), value the value
 * PyRuntime_store_set stores. It returns a value >= 0 or IL_ERR(code). An entry may declare only
 * the first parameters it needs (module_slots needs five). Optionally
 * `void IL_EXPORT(il_init)(int interpreters, int capacity)` runs once on fresh memory (capacity: the
 * registry slots of the model the run checks against; it too may be left out). Ghost counters the judge
 * holds to the model's are globals named ghost_leaks, ghost_abandoned, ghost_dangling,
 * ghost_dropped, and per-def arrays epoch[IL_DEFS] (global init / setup runs) and exits[IL_DEFS]
 * (teardowns).
 */

/* ---- the proposed APIs of every family, with their C signatures ---- */
/*
 * An extension checked with `interlock client file.c --family <family>` calls them: each is one
 * call of the family's runtime (interlock's TypeScript implementation of the family, the one
 * `interlock verify` checks against the model), interleaved step by step with the other
 * interpreters and labelled with the C line that made it. A def is named by its m_name ("odbc"
 * or "mylib", model/common.ts Def), a lock or store entry by its name ("henv", "ext1", "ext2").
 * Results: a value >= 0, or IL_ERR(code) (PyRuntime_store_get writes the value and returns 0).
 * A family implemented in C (way b) that wants to define these names itself defines
 * IL_NO_CLIENT_API before including this header.
 */

typedef struct PyModuleDef PyModuleDef;
typedef struct PyObject PyObject;
/* The proposed module slots (Py_mod_global_init / Py_mod_global_exit, thread.txt). */
typedef int (*Py_mod_global_init_func)(PyModuleDef *def);
typedef void (*Py_mod_global_exit_func)(PyModuleDef *def);
/*
 * A module definition as the C API has it, with the hooks CPython calls. interlock reads only
 * m_name (which def of the model it is); it calls the functions an extension exports (see "An
 * extension in C").
 */
struct PyModuleDef {
  const char *m_name;
  int (*m_exec)(int interp);   /* Py_mod_exec */
  void (*m_free)(int interp);  /* m_free: when the module instance goes away */
  Py_mod_global_init_func m_global_init;
  Py_mod_global_exit_func m_global_exit;
};

/* One call of the family's API: tag, def and name as pointers, index or key, value, flags (IL_*). */
int il_api(int tag, int def, int name, int index, int value, int flags);
#define IL_PTR(p) ((int)(__SIZE_TYPE__)(p))

#ifndef IL_NO_CLIENT_API
/*
 * Macros, not functions, so that every step of a call is labelled with the caller's line.
 * global_lock: runtime-global named locks (thread.txt, "PyThread_EnsureGlobalLock"): a lock, >= 0,
 * that names its def, name and index, for PyThread_acquire_lock / PyThread_release_lock.
 */
#define PyThread_EnsureGlobalLock(def, name) il_api(IL_PyThread_EnsureGlobalLock, IL_PTR(def), IL_PTR(name), 0, 0, 0)
#define PyThread_GetGlobalLock(def, name, index) il_api(IL_PyThread_GetGlobalLock, IL_PTR(def), IL_PTR(name), (index), 0, 0)
#define PyThread_ReleaseGlobalLock(def, name, index) il_api(IL_PyThread_ReleaseGlobalLock, IL_PTR(def), IL_PTR(name), (index), 0, 0)
/* A lock from PyThread_EnsureGlobalLock / GetGlobalLock (global_lock), or the def's refcounted lock (refcounted_lock: pass 0). */
#define PyThread_acquire_lock(lock, waitflag) il_api(IL_PyThread_acquire_lock, 0, 0, (lock) + 0 * (waitflag), 0, 0)
#define PyThread_release_lock(lock) ((void)il_api(IL_PyThread_release_lock, 0, 0, (lock), 0, 0))
/* runtime_store: runtime store keys. */
#define PyRuntime_store_ensure(def, name) il_api(IL_PyRuntime_store_ensure, IL_PTR(def), IL_PTR(name), 0, 0, 0)
#define PyRuntime_store_release(key) il_api(IL_PyRuntime_store_release, 0, 0, (key), 0, 0)
#define PyRuntime_store_is_set(key) il_api(IL_PyRuntime_store_is_set, 0, 0, (key), 0, 0)
#define PyRuntime_store_set(key, value) il_api(IL_PyRuntime_store_set, 0, 0, (key), (value), 0)
/* Writes the value to *value and returns 0, or returns IL_ERR(code). */
#define PyRuntime_store_get(key, value) \
  __extension__({ int il_r_ = il_api(IL_PyRuntime_store_get, 0, 0, (key), 0, 0); if (il_r_ >= 0) { *(value) = il_r_; il_r_ = 0; } il_r_; })
#define PyRuntime_store_delete(key) il_api(IL_PyRuntime_store_delete, 0, 0, (key), 0, 0)
/* refcounted_lock: the module's exec and free calls around the runtime's refcounted lock (mod_init, mod_free). */
#define PyThread_mod_init_lock(def) il_api(IL_mod_init, IL_PTR(def), 0, 0, 0, 0)
#define PyThread_mod_free_lock(def) il_api(IL_mod_free, IL_PTR(def), 0, 0, 0, 0)
/* module_slots: the import and the unload the runtime performs (it calls Py_mod_global_init/exit). */
#define PyModule_ExecDef(def) il_api(IL_PyModule_ExecDef, IL_PTR(def), 0, 0, 0, 0)
#define PyModule_Unload(def) il_api(IL_unload_module, IL_PTR(def), 0, 0, 0, 0)
#else
int PyThread_EnsureGlobalLock(PyModuleDef *def, const char *name);
int PyThread_GetGlobalLock(PyModuleDef *def, const char *name, int index);
int PyThread_ReleaseGlobalLock(PyModuleDef *def, const char *name, int index);
int PyThread_acquire_lock(int lock, int waitflag);
void PyThread_release_lock(int lock);
int PyRuntime_store_ensure(PyModuleDef *def, const char *name);
int PyRuntime_store_release(int key);
int PyRuntime_store_is_set(int key);
int PyRuntime_store_set(int key, int value);
int PyRuntime_store_get(int key, int *value);
int PyRuntime_store_delete(int key);
int PyThread_mod_init_lock(PyModuleDef *def);
int PyThread_mod_free_lock(PyModuleDef *def);
#endif
/* static_mutex: PyMutex_Lock / PyMutex_Unlock above; module_slots: the two slot types above. */

#endif
