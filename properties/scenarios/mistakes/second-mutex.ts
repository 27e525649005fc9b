/**
 * A second static PyMutex of the extension's own, `lib_mutex`, for the mistakes that need two
 * locks (taking them in opposite orders): the shipped, non-recursive PyMutex, as the client's
 * `x.lock()` is.
 */
import type { Code } from "../../../impl/memory.js";
import { PyMutex_Unlock, StaticPyMutex_Lock } from "../../../impl/pymutex.js";
import type { FamilyName } from "../../../model/index.js";
import type { ClientApi } from "../contract.js";

export function* lockLib(x: ClientApi<FamilyName>): Code<void> {
  yield* StaticPyMutex_Lock(x.statics.word("lib_mutex"), x.statics.word("lib_mutex_owner"), x.interp);
}

export function* unlockLib(x: ClientApi<FamilyName>): Code<void> {
  yield* PyMutex_Unlock(x.statics.word("lib_mutex"), x.statics.word("lib_mutex_owner"), x.interp);
}
