/**
 * global_lock — named runtime-global locks: the runtime owns the lock; count and handle are
 * statics; the module state keeps each lock's index. Its naive variant checks `henv == NULL`
 * before taking the named lock.
 */
import type { Code } from "../../../impl/memory.js";
import { load, store } from "../../../impl/memory.js";
import { defineClient, fail, ok, okValue, type ClientApi, type HookResult, type Resource } from "../contract.js";
import { registryName } from "../library.js";
import { useStaticHandle } from "./shared.js";

type Api = ClientApi<"global_lock">;
export const ref = (x: Api, r: Resource) => ({ ...registryName[r], index: x.state.get(r) });

// client global_lock:import,unload,acquire,release,library,end,finalize global_lock_naive:import,unload,acquire,release,library,end,finalize
/** Ensures the named lock for r and remembers its index in the module state. */
export function* glEnsure(x: Api, r: Resource): Code<void> {
  x.state.set(r, okValue(yield* x.call({ _tag: "PyThread_EnsureGlobalLock", ...registryName[r] })));
}
export function* glLock(x: Api, r: Resource): Code<void> {
  yield* x.call({ _tag: "PyThread_acquire_lock", ...ref(x, r) });
}
export function* glUnlock(x: Api, r: Resource): Code<void> {
  yield* x.call({ _tag: "PyThread_release_lock", ...ref(x, r) });
}
// end client

// client global_lock:import,acquire
export function* glGetOrCreate(x: Api, r: Resource): Code<HookResult> {
  yield* glEnsure(x, r);
  yield* glLock(x, r);
  if ((yield load(x.statics.count(r))) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      yield* glUnlock(x, r);
      yield* x.call({ _tag: "PyThread_ReleaseGlobalLock", ...ref(x, r) });
      return fail("InitFailed");
    }
    yield store(x.statics.handle(r), h);
  }
  yield store(x.statics.count(r), (yield load(x.statics.count(r))) + 1);
  yield* glUnlock(x, r);
  return ok();
}
// end client

// client global_lock:unload,release,end,finalize global_lock_naive:unload,release,end,finalize
export function* glDrop(x: Api, r: Resource): Code<HookResult> {
  yield* glLock(x, r);
  const left = (yield load(x.statics.count(r))) - 1;
  yield store(x.statics.count(r), left);
  if (left === 0) {
    yield* x.lib.free(r, yield load(x.statics.handle(r)));
    yield store(x.statics.handle(r), 0);
  }
  yield* glUnlock(x, r);
  yield* x.call({ _tag: "PyThread_ReleaseGlobalLock", ...ref(x, r) });
  return ok();
}
// end client

// client global_lock:library global_lock_naive:library
function* glLibrary(x: Api): Code<HookResult> {
  yield* glLock(x, "henv");
  yield* x.lib.call();
  yield* glUnlock(x, "henv");
  return ok();
}
// end client

// client global_lock_naive:import,acquire
/** The mistake: "is henv set?" checked before taking the lock; only the count is locked. */
export function* glNaiveGetOrCreate(x: Api, r: Resource): Code<HookResult> {
  yield* glEnsure(x, r);
  if ((yield load(x.statics.handle(r))) === 0) {
    const h = yield* x.lib.alloc(r);
    if (h === 0) {
      yield* x.call({ _tag: "PyThread_ReleaseGlobalLock", ...ref(x, r) });
      return fail("InitFailed");
    }
    yield store(x.statics.handle(r), h);
  }
  yield* glLock(x, r);
  yield store(x.statics.count(r), (yield load(x.statics.count(r))) + 1);
  yield* glUnlock(x, r);
  return ok();
}
// end client

export const globalLock = defineClient({
  family: "global_lock",
  name: "global_lock",
  failedExec: "no-module",
  exec: (x) => glGetOrCreate(x, "henv"),
  free: (x) => glDrop(x, "henv"),
  acquire: glGetOrCreate,
  release: glDrop,
  use: useStaticHandle,
  library: glLibrary,
});

export const globalLockNaive = defineClient({
  ...globalLock,
  name: "global_lock_naive",
  exec: (x) => glNaiveGetOrCreate(x, "henv"),
  acquire: glNaiveGetOrCreate,
});
