/**
 * The extension authors' code: for each API family (and each "naive" variant — the mistake an
 * author makes without care), the extension operations written against that family's
 * implementation (`impl/`), plus the extension's own statics (library.ts `ClientWords`).
 *
 * LINE COUNTING RULE (lines.ts reads this file): client code sits between a marker line
 *     // client <column>:<op>[,<op>…] [<column>:<op>[,<op>…] …]
 * and the next `// end client`. A cell's "lines of client code" is the number of non-blank lines
 * that are not comments in every region that names the cell's column with an operation the
 * scenario's programs perform (`end` and `finalize` also run the instance's m_free, so regions
 * that are part of m_free list them too). Shared helpers are counted once per cell however many
 * operations use them. Code outside regions (the wiring into the matrix, the C library, one-call
 * helpers such as `lock(x)`) is not counted.
 */
import type { AnyCall, ModelConfig, Result } from "../../model/index.js";
import { GlobalLock, ModuleSlots, RefcountedLock, RuntimeStore, StaticMutex } from "../../impl/index.js";
import type { Runtime } from "../../impl/runtime.js";
import type { ImportOpLike } from "./client_support.js";
import { add, load, store, sub, type Code } from "../../impl/memory.js";
import { PyMutex_Lock, PyMutex_Unlock } from "../../impl/pymutex.js";
import type { Discipline } from "../../impl/subject.js";
import type { Client, Ctx } from "./column.js";
import { CARRY_IMPORTED, extErr, extOk, registryName, resIndex, type ClientWords, type ExtCall, type ExtResult, type Library, type Res } from "./library.js";

// Small helpers every column may use (not counted: each stands for one C call).
const cnt = (x: Ctx, r: Res): number => x.w.count[resIndex(r)] as number;
const hdl = (x: Ctx, r: Res): number => x.w.handle[resIndex(r)] as number;
const lock = (x: Ctx): Code<unknown> => PyMutex_Lock(x.w.mutex.lock, x.w.mutex.owner, x.interp);
const unlock = (x: Ctx): Code<unknown> => PyMutex_Unlock(x.w.mutex.lock, x.w.mutex.owner, x.interp);
/** Locks the lock global_init allocated (the library reports a use of a destroyed one). */
function* lockAllocated(x: Ctx): Code<void> {
  yield* x.lib.useLock();
  yield* lock(x);
}
const keep = (x: Ctx, r: Res, index: number): readonly number[] => x.carry.map((v, i) => (i === resIndex(r) ? index : v));
const idx = (x: Ctx, r: Res): number => x.carry[resIndex(r)] as number;
const okValue = (r: Result): number => (r._tag === "Ok" ? r.value : 0);
const fromApi = (r: Result): ExtResult => (r._tag === "Ok" ? extOk(r.value) : extErr(r.error));
const noDisciplines = (): ReadonlyMap<number, Discipline> => new Map();
/**
 * The four resource operations of a column whose import/unload are get-or-create/drop of the
 * `henv` resource, and acquire/release the same for the resource a call names.
 */
const resourceOps = (getOrCreate: (x: Ctx, r: Res) => Code<ExtResult>, drop: (x: Ctx, r: Res) => Code<ExtResult>) => ({
  import: (x: Ctx) => getOrCreate(x, "henv"),
  unload: (x: Ctx) => drop(x, "henv"),
  acquire: (x: Ctx, c: Extract<ExtCall, { _tag: "acquire" }>) => getOrCreate(x, c.res),
  release: (x: Ctx, c: Extract<ExtCall, { _tag: "release" }>) => drop(x, c.res),
});
/** The static PyMutex's owner word, and the refcounts only ever touched under it. */
const mutexDisciplines = (w: ClientWords): ReadonlyMap<number, Discipline> =>
  new Map<number, Discipline>([[w.mutex.owner, "owner"], ...w.count.map((a): [number, Discipline] => [a, { protectedBy: w.mutex.owner }])]);

// ================================================================================================
// static_mutex — the shipped baseline: `static PyMutex mutex; static Py_ssize_t count[]; static handle[]`.
// ================================================================================================

// client static_mutex:library module_slots:library runtime_store:library
function* underStaticMutex(x: Ctx): Code<ExtResult> {
  yield* lock(x);
  yield* x.lib.call();
  yield* unlock(x);
  return extOk();
}
// end client

// client static_mutex:import,unload,acquire,release,end,finalize module_slots:acquire,release
/** Get-or-create of resource r with the extension's own refcount, all under the static mutex. */
function* smGetOrCreate(x: Ctx, r: Res): Code<ExtResult> {
  yield* lock(x);
  if ((yield load(cnt(x, r))) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      yield* unlock(x);
      return extErr("InitFailed");
    }
    yield store(hdl(x, r), h);
  }
  yield store(cnt(x, r), (yield load(cnt(x, r))) + 1);
  yield* unlock(x);
  return extOk();
}
/** Drop this instance's use of r; the last user frees it, under the static mutex. */
function* smDrop(x: Ctx, r: Res): Code<ExtResult> {
  yield* lock(x);
  const left = (yield load(cnt(x, r))) - 1;
  yield store(cnt(x, r), left);
  if (left === 0) {
    yield* x.lib.free(r, yield load(hdl(x, r)));
    yield store(hdl(x, r), 0);
  }
  yield* unlock(x);
  return extOk();
}
// end client

// client static_mutex:use static_mutex_naive:use module_slots:use module_slots_lock:use refcounted_lock:use global_lock:use global_lock_naive:use
function* useStaticHandle(x: Ctx, c: Extract<ExtCall, { _tag: "use" }>): Code<ExtResult> {
  return extOk(yield* x.lib.use(c.res, yield load(hdl(x, c.res))));
}
// end client

// client static_mutex_naive:import,acquire
/** The early-CPython mistake: check and init under the mutex, but `count++` after unlocking. */
function* smNaiveGetOrCreate(x: Ctx, r: Res): Code<ExtResult> {
  yield* lock(x);
  if ((yield load(cnt(x, r))) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      yield* unlock(x);
      return extErr("InitFailed");
    }
    yield store(hdl(x, r), h);
  }
  yield* unlock(x);
  yield add(cnt(x, r), 1);
  return extOk();
}
// end client

// client static_mutex_naive:unload,release,end,finalize
function* smNaiveDrop(x: Ctx, r: Res): Code<ExtResult> {
  yield* lock(x);
  if ((yield sub(cnt(x, r), 1)) === 1) {
    yield* x.lib.free(r, yield load(hdl(x, r)));
    yield store(hdl(x, r), 0);
  }
  yield* unlock(x);
  return extOk();
}
// end client

// client static_mutex_naive:library
function* smNaiveLibrary(x: Ctx): Code<ExtResult> {
  yield* lock(x);
  yield* x.lib.call();
  yield* unlock(x);
  return extOk();
}
// end client

const staticMutex: Client = {
  column: "static_mutex",
  family: "static_mutex",
  naive: false,
  mistake: "",
  makeImpl: (config) => new StaticMutex(config) as unknown as Runtime<AnyCall>,
  runtimeRunsUnload: false,
  ops: {
    ...resourceOps(smGetOrCreate, smDrop),
    use: useStaticHandle,
    library: underStaticMutex,
  },
  disciplines: mutexDisciplines,
};

const staticMutexNaive: Client = {
  ...staticMutex,
  column: "static_mutex_naive",
  naive: true,
  mistake: "`count++` after unlocking the static mutex",
  ops: {
    ...resourceOps(smNaiveGetOrCreate, smNaiveDrop),
    use: useStaticHandle,
    library: smNaiveLibrary,
  },
  disciplines: (w) => new Map<number, Discipline>([[w.mutex.owner, "owner"]]),
};

// ================================================================================================
// module_slots — Py_mod_global_init / Py_mod_global_exit: the runtime counts and calls back.
// ================================================================================================

class OdbcModuleSlots extends ModuleSlots {
  constructor(config: ModelConfig, readonly lib: Library, readonly w: ClientWords) {
    super(config);
  }
  // client module_slots:import,unload,end,finalize module_slots_lock:import,unload,end,finalize
  override *globalInit(interp: number, o: ImportOpLike): Code<"InitFailed" | undefined> {
    const h = yield* this.lib.alloc("henv");
    if (h === 0) return "InitFailed";
    yield store(this.w.handle[0] as number, h);
    return (yield* super.globalInit(interp, { ...o, initFails: false })) as undefined;
  }
  override *globalExit(def: "odbc" | "mylib"): Code<void> {
    yield* this.lib.free("henv", yield load(this.w.handle[0] as number));
    yield store(this.w.handle[0] as number, 0);
    yield* super.globalExit(def);
  }
  // end client
}

const moduleSlots: Client = {
  column: "module_slots",
  family: "module_slots",
  naive: false,
  mistake: "",
  makeImpl: (config, lib, w) => new OdbcModuleSlots(config, lib, w) as unknown as Runtime<AnyCall>,
  runtimeRunsUnload: true,
  ops: {
    // client module_slots:import module_slots_lock:import
    import: function* (x) {
      return fromApi(yield* x.api({ _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false }));
    },
    // end client
    // client module_slots:unload module_slots_lock:unload
    unload: function* (x) {
      return fromApi(yield* x.api({ _tag: "unload_module", def: "odbc" }));
    },
    // end client
    use: useStaticHandle,
    // Several resources: the slots count the module only, so the extension keeps per-resource
    // refcounts under a static PyMutex — the static_mutex code, counted again here.
    acquire: (x, c) => smGetOrCreate(x, c.res),
    release: (x, c) => smDrop(x, c.res),
    library: underStaticMutex,
  },
  disciplines: mutexDisciplines,
};

// ================================================================================================
// module_slots_lock — the combination the thread discusses (l.187-197): the global slots plus a lock
// the extension allocates in Py_mod_global_init and destroys in Py_mod_global_exit (Petr's recipe:
// "In Py_mod_global_init you'd initialize that structure and allocate a lock to protect it … In
// Py_mod_global_exit, the structure must be empty. Destroy it and the lock."). Per-resource
// refcounts are incref'd / decref'd under that lock.
// ================================================================================================

class OdbcModuleSlotsLock extends OdbcModuleSlots {
  // client module_slots_lock:import,unload,end,finalize
  override *globalInit(interp: number, o: ImportOpLike): Code<"InitFailed" | undefined> {
    const failed = yield* super.globalInit(interp, o);
    if (failed === undefined) yield* this.lib.allocLock();
    return failed;
  }
  override *globalExit(def: "odbc" | "mylib"): Code<void> {
    yield* this.lib.destroyLock();
    yield* super.globalExit(def);
  }
  // end client
}

// client module_slots_lock:library
function* slLibrary(x: Ctx): Code<ExtResult> {
  yield* lockAllocated(x);
  yield* x.lib.call();
  yield* unlock(x);
  return extOk();
}
// end client

const moduleSlotsLock: Client = {
  ...moduleSlots,
  column: "module_slots_lock",
  makeImpl: (config, lib, w) => new OdbcModuleSlotsLock(config, lib, w) as unknown as Runtime<AnyCall>,
  ops: {
    ...moduleSlots.ops,
    acquire: (x, c) => countedGetOrCreate(x, c.res, allocatedLockOps),
    release: (x, c) => countedDrop(x, c.res, allocatedLockOps),
    library: slLibrary,
  },
};

// ================================================================================================
// refcounted_lock — Petr's lock with setup/teardown: mod_init / mod_free and the lock they share.
// ================================================================================================

class OdbcRefcountedLock extends RefcountedLock {
  constructor(config: ModelConfig, readonly lib: Library, readonly w: ClientWords) {
    super(config);
  }
  // client refcounted_lock:import,unload,end,finalize
  override *globalInit(interp: number, o: ImportOpLike): Code<"InitFailed" | undefined> {
    const h = yield* this.lib.alloc("henv");
    if (h === 0) return "InitFailed";
    yield store(this.w.handle[0] as number, h);
    return (yield* super.globalInit(interp, { ...o, initFails: false })) as undefined;
  }
  override *globalExit(def: "odbc" | "mylib"): Code<void> {
    yield* this.lib.free("henv", yield load(this.w.handle[0] as number));
    yield store(this.w.handle[0] as number, 0);
    yield* super.globalExit(def);
  }
  // end client
}

/** The lock a column's extension code takes around its own refcounts: one call each way (not counted). */
interface ExtLock {
  take(x: Ctx): Code<unknown>;
  give(x: Ctx): Code<unknown>;
}
const refcountedLockOps: ExtLock = {
  take: (x) => x.api({ _tag: "PyThread_acquire_lock", def: "odbc" }),
  give: (x) => x.api({ _tag: "PyThread_release_lock", def: "odbc" }),
};
const allocatedLockOps: ExtLock = { take: lockAllocated, give: unlock };

// client refcounted_lock:acquire,release module_slots_lock:acquire,release
/** Extra resources: the extension's own refcounts, under the lock it already has. */
function* countedGetOrCreate(x: Ctx, r: Res, l: ExtLock): Code<ExtResult> {
  yield* l.take(x);
  if ((yield load(cnt(x, r))) === 0) yield store(hdl(x, r), yield* x.lib.alloc(r));
  yield store(cnt(x, r), (yield load(cnt(x, r))) + 1);
  yield* l.give(x);
  return extOk();
}
function* countedDrop(x: Ctx, r: Res, l: ExtLock): Code<ExtResult> {
  yield* l.take(x);
  const left = (yield load(cnt(x, r))) - 1;
  yield store(cnt(x, r), left);
  if (left === 0) yield* x.lib.free(r, yield load(hdl(x, r)));
  yield* l.give(x);
  return extOk();
}
// end client

const refcountedLock: Client = {
  column: "refcounted_lock",
  family: "refcounted_lock",
  naive: false,
  mistake: "",
  makeImpl: (config, lib, w) => new OdbcRefcountedLock(config, lib, w) as unknown as Runtime<AnyCall>,
  runtimeRunsUnload: true,
  ops: {
    // client refcounted_lock:import
    import: function* (x) {
      return fromApi(yield* x.api({ _tag: "mod_init", def: "odbc", setupFails: false }));
    },
    // end client
    // client refcounted_lock:unload
    unload: function* (x) {
      return fromApi(yield* x.api({ _tag: "mod_free", def: "odbc" }));
    },
    // end client
    use: useStaticHandle,
    acquire: (x, c) => countedGetOrCreate(x, c.res, refcountedLockOps),
    release: (x, c) => countedDrop(x, c.res, refcountedLockOps),
    // client refcounted_lock:library
    library: function* (x) {
      yield* x.api({ _tag: "PyThread_acquire_lock", def: "odbc" });
      yield* x.lib.call();
      yield* x.api({ _tag: "PyThread_release_lock", def: "odbc" });
      return extOk();
    },
    // end client
  },
  disciplines: noDisciplines,
};

// ================================================================================================
// global_lock — named runtime-global locks: the runtime owns the lock; count and handle are statics.
// ================================================================================================

// client global_lock:import,unload,acquire,release,library,end,finalize global_lock_naive:import,unload,acquire,release,library,end,finalize
/** Ensures the named lock for r and remembers its index in the module state. */
function* glEnsure(x: Ctx, r: Res): Code<readonly number[]> {
  const { def, name } = registryName[r];
  return keep(x, r, okValue(yield* x.api({ _tag: "PyThread_EnsureGlobalLock", def, name })));
}
function* glLock(x: Ctx, r: Res, carry: readonly number[]): Code<void> {
  yield* x.api({ _tag: "PyThread_acquire_lock", ...registryName[r], index: carry[resIndex(r)] as number });
}
function* glUnlock(x: Ctx, r: Res, carry: readonly number[]): Code<void> {
  yield* x.api({ _tag: "PyThread_release_lock", ...registryName[r], index: carry[resIndex(r)] as number });
}
// end client

// client global_lock:import,acquire
function* glGetOrCreate(x: Ctx, r: Res): Code<ExtResult> {
  const carry = yield* glEnsure(x, r);
  yield* glLock(x, r, carry);
  if ((yield load(cnt(x, r))) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      yield* glUnlock(x, r, carry);
      yield* x.api({ _tag: "PyThread_ReleaseGlobalLock", ...registryName[r], index: idx({ ...x, carry }, r) });
      return extErr("InitFailed");
    }
    yield store(hdl(x, r), h);
  }
  yield store(cnt(x, r), (yield load(cnt(x, r))) + 1);
  yield* glUnlock(x, r, carry);
  return extOk(0, carry);
}
// end client

// client global_lock:unload,release,end,finalize global_lock_naive:unload,release,end,finalize
function* glDrop(x: Ctx, r: Res): Code<ExtResult> {
  yield* glLock(x, r, x.carry);
  const left = (yield load(cnt(x, r))) - 1;
  yield store(cnt(x, r), left);
  if (left === 0) {
    yield* x.lib.free(r, yield load(hdl(x, r)));
    yield store(hdl(x, r), 0);
  }
  yield* glUnlock(x, r, x.carry);
  yield* x.api({ _tag: "PyThread_ReleaseGlobalLock", ...registryName[r], index: idx(x, r) });
  return extOk();
}
// end client

// client global_lock:library global_lock_naive:library
function* glLibrary(x: Ctx): Code<ExtResult> {
  yield* glLock(x, "henv", x.carry);
  yield* x.lib.call();
  yield* glUnlock(x, "henv", x.carry);
  return extOk();
}
// end client

// client global_lock_naive:import,acquire
/** The mistake: "is henv set?" checked before taking the lock; only the count is locked. */
function* glNaiveGetOrCreate(x: Ctx, r: Res): Code<ExtResult> {
  const carry = yield* glEnsure(x, r);
  if ((yield load(hdl(x, r))) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      yield* x.api({ _tag: "PyThread_ReleaseGlobalLock", ...registryName[r], index: idx({ ...x, carry }, r) });
      return extErr("InitFailed");
    }
    yield store(hdl(x, r), h);
  }
  yield* glLock(x, r, carry);
  yield store(cnt(x, r), (yield load(cnt(x, r))) + 1);
  yield* glUnlock(x, r, carry);
  return extOk(0, carry);
}
// end client

const globalLock: Client = {
  column: "global_lock",
  family: "global_lock",
  naive: false,
  mistake: "",
  makeImpl: (config) => new GlobalLock(config) as unknown as Runtime<AnyCall>,
  runtimeRunsUnload: false,
  ops: {
    ...resourceOps(glGetOrCreate, glDrop),
    use: useStaticHandle,
    library: glLibrary,
  },
  disciplines: noDisciplines,
};

const globalLockNaive: Client = {
  ...globalLock,
  column: "global_lock_naive",
  naive: true,
  mistake: "checks `henv == NULL` before taking the named lock",
  ops: { ...globalLock.ops, import: (x) => glNaiveGetOrCreate(x, "henv"), acquire: (x, c) => glNaiveGetOrCreate(x, c.res) },
};

// ================================================================================================
// runtime_store — keys owned by the runtime; the value is the handle; release says "last user".
// Get-or-create still needs a lock.
// ================================================================================================

// client runtime_store:import,unload,use,acquire,release,end,finalize runtime_store_naive:import,unload,use,acquire,release,end,finalize
function* rsEnsure(x: Ctx, r: Res): Code<readonly number[]> {
  const { def, name } = registryName[r];
  return keep(x, r, okValue(yield* x.api({ _tag: "PyRuntime_store_ensure", def, name })));
}
function* rsUse(x: Ctx, c: Extract<ExtCall, { _tag: "use" }>): Code<ExtResult> {
  const h = okValue(yield* x.api({ _tag: "PyRuntime_store_get", key: idx(x, c.res) }));
  return extOk(yield* x.lib.use(c.res, h));
}
// end client

// client runtime_store:import,unload,acquire,release,end,finalize
/**
 * Get-or-create under the extension's static PyMutex (is_set → alloc → set must not race). No count
 * of its own: the store's ensures are the count, and release says who was last (D8).
 */
function* rsGetOrCreate(x: Ctx, r: Res): Code<ExtResult> {
  const carry = yield* rsEnsure(x, r);
  const key = carry[resIndex(r)] as number;
  yield* lock(x);
  if (okValue(yield* x.api({ _tag: "PyRuntime_store_is_set", key })) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      // Even a failed init's release can be the last one (another importer set a value and left
      // meanwhile), so it must free what the key holds too.
      yield* rsReleaseLocked(x, r, key);
      yield* unlock(x);
      return extErr("InitFailed");
    }
    yield* x.api({ _tag: "PyRuntime_store_set", key, value: h, owner: "raw" });
  }
  yield* unlock(x);
  return extOk(0, carry);
}
/** Under the mutex: read the value, release; the last user (release returned 1) frees it. */
function* rsReleaseLocked(x: Ctx, r: Res, key: number): Code<void> {
  const h = okValue(yield* x.api({ _tag: "PyRuntime_store_get", key }));
  if (okValue(yield* x.api({ _tag: "PyRuntime_store_release", key })) === 1 && h !== 0) yield* x.lib.free(r, h);
}
/** Drop this instance's use of r, under the mutex so that no get-or-create sees it half-gone. */
function* rsDrop(x: Ctx, r: Res): Code<ExtResult> {
  yield* lock(x);
  yield* rsReleaseLocked(x, r, idx(x, r));
  yield* unlock(x);
  return extOk();
}
// end client

// client runtime_store_naive:import,acquire,unload,release,end,finalize
/** The mistake: get-then-set with no lock ("the runtime store is thread-safe, isn't it?"). */
function* rsNaiveGetOrCreate(x: Ctx, r: Res): Code<ExtResult> {
  const carry = yield* rsEnsure(x, r);
  const key = carry[resIndex(r)] as number;
  if (okValue(yield* x.api({ _tag: "PyRuntime_store_is_set", key })) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      yield* x.api({ _tag: "PyRuntime_store_release", key });
      return extErr("InitFailed");
    }
    yield* x.api({ _tag: "PyRuntime_store_set", key, value: h, owner: "raw" });
  }
  yield add(cnt(x, r), 1);
  return extOk(0, carry);
}
function* rsNaiveDrop(x: Ctx, r: Res): Code<ExtResult> {
  const key = idx(x, r);
  if ((yield sub(cnt(x, r), 1)) === 1) {
    yield* x.lib.free(r, okValue(yield* x.api({ _tag: "PyRuntime_store_get", key })));
    yield* x.api({ _tag: "PyRuntime_store_delete", key });
  }
  yield* x.api({ _tag: "PyRuntime_store_release", key });
  return extOk();
}
// end client

const runtimeStore: Client = {
  column: "runtime_store",
  family: "runtime_store",
  naive: false,
  mistake: "",
  makeImpl: (config) => new RuntimeStore(config) as unknown as Runtime<AnyCall>,
  runtimeRunsUnload: false,
  ops: {
    ...resourceOps(rsGetOrCreate, rsDrop),
    use: rsUse,
    library: underStaticMutex,
  },
  disciplines: mutexDisciplines,
};

const runtimeStoreNaive: Client = {
  ...runtimeStore,
  column: "runtime_store_naive",
  naive: true,
  mistake: "get-then-set on the store key with no lock",
  ops: {
    ...runtimeStore.ops,
    ...resourceOps(rsNaiveGetOrCreate, rsNaiveDrop),
  },
  disciplines: (w) => new Map<number, Discipline>([[w.mutex.owner, "owner"]]),
};

/** Every column of the matrix, in order: the five families, then the naive variants. */
export const clients: readonly Client[] = [
  globalLock,
  runtimeStore,
  refcountedLock,
  moduleSlots,
  moduleSlotsLock,
  staticMutex,
  globalLockNaive,
  runtimeStoreNaive,
  staticMutexNaive,
];

export { CARRY_IMPORTED };
export type { Client, Ctx } from "./column.js";
