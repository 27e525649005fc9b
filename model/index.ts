/**
 * The model: one executable, sequential meaning per API family (see model/README.md for every
 * semantic decision and where in the thread it comes from).
 */
import type { GlobalLockCall, GlobalLockState } from "./global_lock.js";
import type { LifecycleState } from "./lifecycle.js";
import type { ModuleSlotsCall } from "./module_slots.js";
import type { RefcountedLockCall } from "./refcounted_lock.js";
import type { RuntimeStoreCall, RuntimeStoreState } from "./runtime_store.js";
import type { StaticMutexCall } from "./static_mutex.js";

export * from "./common.js";
export type { FamilyModel } from "./family.js";
export { callRole, familyNames, isFamilyName, models, profiles, registerFamily, type FamilyCall, type FamilyName } from "./profiles.js";
export type { AnyFamilyModel, CallRole, FamilyUsage, ModelProfile } from "./profile.js";
export { arbitraryOf } from "./arbitrary.js";
export { emptyCarry, resolveCall, updateCarry } from "./carry.js";
export { globalLockModel } from "./global_lock.js";
export { runtimeStoreModel } from "./runtime_store.js";
export { moduleSlotsModel } from "./module_slots.js";
export { refcountedLockModel } from "./refcounted_lock.js";
export { staticMutexModel } from "./static_mutex.js";
export type { GlobalLockCall, RuntimeStoreCall, ModuleSlotsCall, RefcountedLockCall, StaticMutexCall };
export type { GlobalLockState, RuntimeStoreState, LifecycleState };

export type { AnyCall } from "./calls.js";

