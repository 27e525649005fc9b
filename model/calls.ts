import type { GlobalLockCall } from "./global_lock.js";
import type { ModuleSlotsCall } from "./module_slots.js";
import type { RefcountedLockCall } from "./refcounted_lock.js";
import type { RuntimeStoreCall } from "./runtime_store.js";
import type { StaticMutexCall } from "./static_mutex.js";

/** Any family's call: a tagged struct. (Its own file, so that model/carry.ts need not import model/index.ts.) */
export type AnyCall = GlobalLockCall | RuntimeStoreCall | ModuleSlotsCall | RefcountedLockCall | StaticMutexCall;
