/**
 * static_mutex — the shipped baseline: `static PyMutex mutex; static Py_ssize_t count[]; static
 * handle[]`, and its naive variant (`count++` after unlocking).
 */
import type { Code } from "../../../impl/memory.js";
import { add, load, store, sub } from "../../../impl/memory.js";
import type { Discipline } from "../../../impl/subject.js";
import { defineClient, fail, ok, type HookResult, type Resource, type Statics } from "../contract.js";
import { underStaticMutex, useStaticHandle, type Api } from "./shared.js";

// client static_mutex:import,unload,acquire,release,end,finalize module_slots:acquire,release
/** Get-or-create of resource r with the extension's own refcount, all under the static mutex. */
export function* smGetOrCreate(x: Api, r: Resource): Code<HookResult> {
  yield* x.lock();
  if ((yield load(x.statics.count(r))) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      yield* x.unlock();
      return fail("InitFailed");
    }
    yield store(x.statics.handle(r), h);
  }
  yield store(x.statics.count(r), (yield load(x.statics.count(r))) + 1);
  yield* x.unlock();
  return ok();
}
/** Drop this instance's use of r; the last user frees it, under the static mutex. */
export function* smDrop(x: Api, r: Resource): Code<HookResult> {
  yield* x.lock();
  const left = (yield load(x.statics.count(r))) - 1;
  yield store(x.statics.count(r), left);
  if (left === 0) {
    yield* x.lib.free(r, yield load(x.statics.handle(r)));
    yield store(x.statics.handle(r), 0);
  }
  yield* x.unlock();
  return ok();
}
// end client

// client static_mutex_naive:import,acquire
/** The early-CPython mistake: check and init under the mutex, but `count++` after unlocking. */
function* smNaiveGetOrCreate(x: Api, r: Resource): Code<HookResult> {
  yield* x.lock();
  if ((yield load(x.statics.count(r))) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      yield* x.unlock();
      return fail("InitFailed");
    }
    yield store(x.statics.handle(r), h);
  }
  yield* x.unlock();
  yield add(x.statics.count(r), 1);
  return ok();
}
// end client

// client static_mutex_naive:unload,release,end,finalize
function* smNaiveDrop(x: Api, r: Resource): Code<HookResult> {
  yield* x.lock();
  if ((yield sub(x.statics.count(r), 1)) === 1) {
    yield* x.lib.free(r, yield load(x.statics.handle(r)));
    yield store(x.statics.handle(r), 0);
  }
  yield* x.unlock();
  return ok();
}
// end client

// client static_mutex_naive:library
function* smNaiveLibrary(x: Api): Code<HookResult> {
  yield* x.lock();
  yield* x.lib.call();
  yield* x.unlock();
  return ok();
}
// end client

/** The refcounts are only ever touched under the static PyMutex. */
export function* countsUnderMutex(s: Statics): Iterable<readonly [number, Discipline]> {
  for (const r of ["henv", "ext1", "ext2", "cache"] as const) yield [s.count(r), { protectedBy: s.mutex.owner }];
}

// The matrix's failed import is single-phase: the exec undoes its own work and no m_free follows.
export const staticMutex = defineClient({
  family: "static_mutex",
  name: "static_mutex",
  failedExec: "no-module",
  exec: (x) => smGetOrCreate(x, "henv"),
  free: (x) => smDrop(x, "henv"),
  acquire: smGetOrCreate,
  release: smDrop,
  use: useStaticHandle,
  library: underStaticMutex,
  disciplines: countsUnderMutex,
});

export const staticMutexNaive = defineClient({
  family: "static_mutex",
  name: "static_mutex_naive",
  failedExec: "no-module",
  exec: (x) => smNaiveGetOrCreate(x, "henv"),
  free: (x) => smNaiveDrop(x, "henv"),
  acquire: smNaiveGetOrCreate,
  release: smNaiveDrop,
  use: useStaticHandle,
  library: smNaiveLibrary,
});
