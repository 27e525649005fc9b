/**
 * Client code several columns share (counted once per cell for every column a region names; the
 * rule is stated in ../clients.ts). Each column's own code is in the file named after its family.
 */
import type { Code } from "../../../impl/memory.js";
import { load, store } from "../../../impl/memory.js";
import type { FamilyName, Result } from "../../../model/index.js";
import { fail, ok, type ClientApi, type HookResult, type Resource } from "../contract.js";

/** What a column's hooks take: the API of any family (the shared code calls none of them). */
export type Api = ClientApi<FamilyName>;

// client static_mutex:library module_slots:library runtime_store:library
export function* underStaticMutex(x: Api): Code<HookResult> {
  yield* x.lock();
  yield* x.lib.call();
  yield* x.unlock();
  return ok();
}
// end client

// client static_mutex:use static_mutex_naive:use module_slots:use module_slots_lock:use refcounted_lock:use global_lock:use global_lock_naive:use
export function* useStaticHandle(x: Api, r: Resource): Code<HookResult> {
  return ok(yield* x.lib.use(r, yield load(x.statics.handle(r))));
}
// end client

/** Locks the lock global_init allocated (the library reports a use of a destroyed one): two calls, not counted. */
export function* lockAllocated(x: Api): Code<void> {
  yield* x.lib.useLock();
  yield* x.lock();
}

/** A family call's result as a hook's result (one expression, not counted). */
export const fromApi = (r: Result): HookResult => (r._tag === "Ok" ? ok(r.value) : fail(r.error));

// client module_slots:import,unload,end,finalize module_slots_lock:import,unload,end,finalize refcounted_lock:import,unload,end,finalize
/** Py_mod_global_init / setup: allocate henv (false: the library refused). */
export function* henvInit(x: Api): Code<boolean> {
  const h = yield* x.lib.alloc("henv");
  if (h === 0) return false;
  yield store(x.statics.handle("henv"), h);
  return true;
}
/** Py_mod_global_exit / teardown: free henv. */
export function* henvExit(x: Api): Code<void> {
  yield* x.lib.free("henv", yield load(x.statics.handle("henv")));
  yield store(x.statics.handle("henv"), 0);
}
// end client

/** The lock a column's extension code takes around its own refcounts: one call each way (not counted). */
export interface ExtLock {
  take(x: Api): Code<unknown>;
  give(x: Api): Code<unknown>;
}

// client refcounted_lock:acquire,release module_slots_lock:acquire,release
/** Extra resources: the extension's own refcounts, under the lock it already has. */
export function* countedGetOrCreate(x: Api, r: Resource, l: ExtLock): Code<HookResult> {
  yield* l.take(x);
  if ((yield load(x.statics.count(r))) === 0) yield store(x.statics.handle(r), yield* x.lib.alloc(r));
  yield store(x.statics.count(r), (yield load(x.statics.count(r))) + 1);
  yield* l.give(x);
  return ok();
}
export function* countedDrop(x: Api, r: Resource, l: ExtLock): Code<HookResult> {
  yield* l.take(x);
  const left = (yield load(x.statics.count(r))) - 1;
  yield store(x.statics.count(r), left);
  if (left === 0) yield* x.lib.free(r, yield load(x.statics.handle(r)));
  yield* l.give(x);
  return ok();
}
// end client
