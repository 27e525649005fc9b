/**
 * runtime_store — keys owned by the runtime; the value is the handle; release says "last user".
 * Get-or-create still needs a lock. Its naive variant does get-then-set with no lock.
 */
import type { Code } from "../../../impl/memory.js";
import { add, sub } from "../../../impl/memory.js";
import type { Discipline } from "../../../impl/subject.js";
import { defineClient, fail, ok, okValue, type ClientApi, type HookResult, type Resource, type Statics } from "../contract.js";
import { registryName } from "../library.js";
import { underStaticMutex } from "./shared.js";
import { countsUnderMutex } from "./static_mutex.js";

type Api = ClientApi<"runtime_store">;

// client runtime_store:import,unload,use,acquire,release,end,finalize runtime_store_naive:import,unload,use,acquire,release,end,finalize
export function* rsEnsure(x: Api, r: Resource): Code<number> {
  x.state.set(r, okValue(yield* x.call({ _tag: "PyRuntime_store_ensure", ...registryName[r] })));
  return x.state.get(r);
}
function* rsUse(x: Api, r: Resource): Code<HookResult> {
  const h = okValue(yield* x.call({ _tag: "PyRuntime_store_get", key: x.state.get(r) }));
  return ok(yield* x.lib.use(r, h));
}
// end client

// client runtime_store:import,unload,acquire,release,end,finalize
/**
 * Get-or-create under the extension's static PyMutex (is_set → alloc → set must not race). No count
 * of its own: the store's ensures are the count, and release says who was last (D8).
 */
export function* rsGetOrCreate(x: Api, r: Resource): Code<HookResult> {
  const key = yield* rsEnsure(x, r);
  yield* x.lock();
  if (okValue(yield* x.call({ _tag: "PyRuntime_store_is_set", key })) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      // Even a failed init's release can be the last one (another importer set a value and left
      // meanwhile), so it must free what the key holds too.
      yield* rsReleaseLocked(x, r, key);
      yield* x.unlock();
      return fail("InitFailed");
    }
    yield* x.call({ _tag: "PyRuntime_store_set", key, value: h, owner: "raw" });
  }
  yield* x.unlock();
  return ok();
}
/** Under the mutex: read the value, release; the last user (release returned 1) frees it. */
export function* rsReleaseLocked(x: Api, r: Resource, key: number): Code<void> {
  const h = okValue(yield* x.call({ _tag: "PyRuntime_store_get", key }));
  if (okValue(yield* x.call({ _tag: "PyRuntime_store_release", key })) === 1 && h !== 0) yield* x.lib.free(r, h);
}
/** Drop this instance's use of r, under the mutex so that no get-or-create sees it half-gone. */
export function* rsDrop(x: Api, r: Resource): Code<HookResult> {
  yield* x.lock();
  yield* rsReleaseLocked(x, r, x.state.get(r));
  yield* x.unlock();
  return ok();
}
// end client

// client runtime_store_naive:import,acquire,unload,release,end,finalize
/** The mistake: get-then-set with no lock ("the runtime store is thread-safe, isn't it?"). */
function* rsNaiveGetOrCreate(x: Api, r: Resource): Code<HookResult> {
  const key = yield* rsEnsure(x, r);
  if (okValue(yield* x.call({ _tag: "PyRuntime_store_is_set", key })) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      yield* x.call({ _tag: "PyRuntime_store_release", key });
      return fail("InitFailed");
    }
    yield* x.call({ _tag: "PyRuntime_store_set", key, value: h, owner: "raw" });
  }
  yield add(x.statics.count(r), 1);
  return ok();
}
function* rsNaiveDrop(x: Api, r: Resource): Code<HookResult> {
  const key = x.state.get(r);
  if ((yield sub(x.statics.count(r), 1)) === 1) {
    yield* x.lib.free(r, okValue(yield* x.call({ _tag: "PyRuntime_store_get", key })));
    yield* x.call({ _tag: "PyRuntime_store_delete", key });
  }
  yield* x.call({ _tag: "PyRuntime_store_release", key });
  return ok();
}
// end client

export const runtimeStore = defineClient({
  family: "runtime_store",
  name: "runtime_store",
  failedExec: "no-module",
  exec: (x) => rsGetOrCreate(x, "henv"),
  free: (x) => rsDrop(x, "henv"),
  acquire: rsGetOrCreate,
  release: rsDrop,
  use: rsUse,
  library: underStaticMutex,
  disciplines: countsUnderMutex,
});

/** The naive variant's counts are touched without any lock: no discipline to claim. */
const none = function* (_s: Statics): Iterable<readonly [number, Discipline]> {};

export const runtimeStoreNaive = defineClient({
  ...runtimeStore,
  name: "runtime_store_naive",
  exec: (x) => rsNaiveGetOrCreate(x, "henv"),
  free: (x) => rsNaiveDrop(x, "henv"),
  acquire: rsNaiveGetOrCreate,
  release: rsNaiveDrop,
  disciplines: none,
});
