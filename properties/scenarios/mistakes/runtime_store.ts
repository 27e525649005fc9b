/**
 * The mistake catalogue of the runtime store (columns/runtime_store.ts): the runtime owns the key,
 * its storage and the count of users (ensure / release, which says who was last), so the author
 * keeps no count of their own; get-or-create and the last user's free are still the author's,
 * under the extension's static mutex. Each variant changes the correct `runtimeStore` client.
 */
import type { Code } from "../../../impl/memory.js";
import { load, store } from "../../../impl/memory.js";
import { rsEnsure, rsGetOrCreate, rsReleaseLocked, runtimeStore } from "../columns/runtime_store.js";
import { fail, ok, okValue, type ClientApi, type HookResult, type Resource } from "../contract.js";
import { registryName } from "../library.js";
import { impossible, inDrop, inGetOrCreate, mistake, type MistakeEntry } from "./entry.js";
import { libraryCallLibFirst, libraryCallMutexFirst } from "./second-mutex.js";

type Api = ClientApi<"runtime_store">;

/** Get-or-create of the store value, with the given slips. */
function* getOrCreate(x: Api, r: Resource, slip: { checkFirst?: boolean; noRollback?: boolean; noUnlockOnError?: boolean; flag?: boolean; staleKey?: boolean }): Code<HookResult> {
  let key: number;
  if (slip.staleKey === true) {
    // the key from the first import, kept in a static and reused by every later import
    key = yield load(x.statics.word("store_key"));
    if (key === 0) {
      key = okValue(yield* x.call({ _tag: "PyRuntime_store_ensure", ...registryName[r] }));
      yield store(x.statics.word("store_key"), key);
    }
    x.state.set(r, key);
  } else key = yield* rsEnsure(x, r);
  if (slip.checkFirst === true) {
    // is_set before the lock: two first users both allocate and set
    if (okValue(yield* x.call({ _tag: "PyRuntime_store_is_set", key })) === 0) {
      const h = yield* x.lib.alloc(r);
      yield* x.lock();
      yield* x.call({ _tag: "PyRuntime_store_set", key, value: h, owner: "raw" });
      yield* x.unlock();
    }
    return ok();
  }
  yield* x.lock();
  const fresh = slip.flag === true ? (yield load(x.statics.word("stored"))) === 0 : okValue(yield* x.call({ _tag: "PyRuntime_store_is_set", key })) === 0;
  if (fresh) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      if (slip.noRollback !== true) yield* rsReleaseLocked(x, r, key);
      if (slip.noUnlockOnError !== true) yield* x.unlock();
      return fail("InitFailed");
    }
    yield* x.call({ _tag: "PyRuntime_store_set", key, value: h, owner: "raw" });
    if (slip.flag === true) yield store(x.statics.word("stored"), 1);
  }
  yield* x.unlock();
  return ok();
}

/** Drop this instance's use, with the given slips. */
function* drop(x: Api, r: Resource, slip: { freeFirst?: boolean; freeAfterUnlock?: boolean; neverFree?: boolean }): Code<HookResult> {
  const key = x.state.get(r);
  if (slip.freeFirst === true) yield* x.lib.free(r, okValue(yield* x.call({ _tag: "PyRuntime_store_get", key })));
  yield* x.lock();
  const h = okValue(yield* x.call({ _tag: "PyRuntime_store_get", key }));
  const last = okValue(yield* x.call({ _tag: "PyRuntime_store_release", key })) === 1 && h !== 0;
  if (last && slip.freeFirst !== true && slip.freeAfterUnlock !== true && slip.neverFree !== true) yield* x.lib.free(r, h);
  yield* x.unlock();
  if (last && slip.freeAfterUnlock === true) yield* x.lib.free(r, h);
  return ok();
}

const rs = runtimeStore;
export const runtimeStoreMistakes: readonly MistakeEntry[] = [
  mistake("check-outside-lock", rs, "`PyRuntime_store_is_set` before taking the static mutex; the allocation and `PyRuntime_store_set` follow.", inGetOrCreate(getOrCreate, { checkFirst: true })),
  impossible("runtime_store", "count-outside-lock", "The author keeps no count: the store's ensure/release count the users under the runtime's lock, and release returns 1 to the last one."),
  mistake("free-before-release", rs, "m_free frees the stored handle, then releases the key.", inDrop(drop, { freeFirst: true })),
  mistake("teardown-outside-lock", rs, "The last user (release returned 1) frees the handle after unlocking the static mutex.", inDrop(drop, { freeAfterUnlock: true })),
  mistake(
    "no-rollback-on-failed-init",
    rs,
    "When SQLAllocHandle fails the exec unlocks and returns the error without `PyRuntime_store_release`: the key keeps its reference.",
    inGetOrCreate(getOrCreate, { noRollback: true }),
    { "init-failure": "the registry records one reference bit per module instance (impl/registry.ts REFS), so the retry's ensure in the same interpreter re-registers the same user and its unload gives the one reference back: the API itself absorbs the missing rollback", "*": "only the init-failure scenario refuses an allocation" },
  ),
  mistake("stale-index", rs, "The key from the first import is kept in a static and used by every later import, after the last `PyRuntime_store_release` deallocated it.", {
    statics: ["store_key"],
    exec: (x) => getOrCreate(x, "henv", { staleKey: true }),
  }),
  mistake("double-release", rs, "The exec releases the key on its failed set-up, and the module is multi-phase, so CPython's m_free after the failed exec releases it again.", {
    failedExec: "m_free",
  }, { "init-failure": "the store's release drops the calling instance's one reference bit (impl/registry.ts REFS), so a second release by the same instance changes nothing, or is refused once the key is gone: the API absorbs the double release" }),
  mistake(
    "static-flag-across-reinit",
    rs,
    "`static int stored` replaces `PyRuntime_store_is_set` after the first set-up and is never cleared, so after the last release the next first user stores nothing.",
    { statics: ["stored"], exec: (x) => getOrCreate(x, "henv", { flag: true }) },
    { "*": "only scenarios where the last user leaves and a later import follows (churn, runtime-reinit) reuse the flag" },
  ),
  mistake(
    "lock-order-inversion",
    rs,
    "A second static mutex for the library: the exec makes the library's set-up call under the get-or-create mutex then the library mutex, the module function takes them the other way round.",
    {
      statics: ["lib_mutex", "lib_mutex_owner"],
      *exec(x) {
        const r = yield* rsGetOrCreate(x, "henv");
        yield* libraryCallMutexFirst(x);
        return r;
      },
      library: libraryCallLibFirst,
    },
    { "*": "only the library scenario runs the library call against an import" },
  ),
  mistake("skip-global-exit", rs, "The last user's release returns 1 but it does not free the stored handle.", inDrop(drop, { neverFree: true })),
  mistake("library-without-lock", rs, "The module function calls the thread-unsafe library without the static mutex.", {
    *library(x) {
      yield* x.lib.call();
      return ok();
    },
  }),
  mistake(
    "unlock-missing-on-error",
    rs,
    "When SQLAllocHandle fails the exec releases the key but returns with the static mutex still locked.",
    inGetOrCreate(getOrCreate, { noUnlockOnError: true }),
    { "*": "only the init-failure scenario refuses an allocation" },
  ),
];
