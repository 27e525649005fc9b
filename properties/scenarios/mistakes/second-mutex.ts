/**
 * A second static PyMutex of the extension's own, `lib_mutex`, for the mistake that needs two
 * locks (taking them in opposite orders): the shipped, non-recursive PyMutex, as the client's
 * `x.lock()` is. The two orders are written here once: the set-up's (the client's mutex, then
 * lib_mutex) and the module function's (lib_mutex, then the client's mutex).
 */
import type { Code } from "../../../impl/memory.js";
import { PyMutex_Unlock, StaticPyMutex_Lock } from "../../../impl/pymutex.js";
import type { FamilyName } from "../../../model/index.js";
import { ok, type ClientApi, type HookResult } from "../contract.js";

export function* lockLib(x: ClientApi<FamilyName>): Code<void> {
  yield* StaticPyMutex_Lock(x.statics.word("lib_mutex"), x.statics.word("lib_mutex_owner"), x.interp);
}

export function* unlockLib(x: ClientApi<FamilyName>): Code<void> {
  yield* PyMutex_Unlock(x.statics.word("lib_mutex"), x.statics.word("lib_mutex_owner"), x.interp);
}

/** The library's set-up call under the client's static mutex, then lib_mutex. */
export function* libraryCallMutexFirst(x: ClientApi<FamilyName>): Code<void> {
  yield* x.lock();
  yield* lockLib(x);
  yield* x.lib.call();
  yield* unlockLib(x);
  yield* x.unlock();
}

/** The module function's library call the other way round: lib_mutex, then the client's static mutex. */
export function* libraryCallLibFirst(x: ClientApi<FamilyName>): Code<HookResult> {
  yield* lockLib(x);
  yield* x.lock();
  yield* x.lib.call();
  yield* x.unlock();
  yield* unlockLib(x);
  return ok();
}
