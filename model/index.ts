/**
 * The model: one executable, sequential meaning per API family (see model/README.md for every
 * semantic decision and where in the thread it comes from).
 */
import type { FamilyModel, FamilyName } from "./family.js";
import { globalLockModel, type GlobalLockCall, type GlobalLockState } from "./global_lock.js";
import type { LifecycleState } from "./lifecycle.js";
import { moduleSlotsModel, type ModuleSlotsCall } from "./module_slots.js";
import { refcountedLockModel, type RefcountedLockCall } from "./refcounted_lock.js";
import { runtimeStoreModel, type RuntimeStoreCall, type RuntimeStoreState } from "./runtime_store.js";
import { staticMutexModel, type StaticMutexCall } from "./static_mutex.js";

export * from "./common.js";
export { familyNames, type FamilyModel, type FamilyName } from "./family.js";
export { arbitraryOf } from "./arbitrary.js";
export { emptyCarry, resolveCall, updateCarry } from "./carry.js";
export { globalLockModel, runtimeStoreModel, moduleSlotsModel, refcountedLockModel, staticMutexModel };
export type { GlobalLockCall, RuntimeStoreCall, ModuleSlotsCall, RefcountedLockCall, StaticMutexCall };
export type { GlobalLockState, RuntimeStoreState, LifecycleState };

export type { AnyCall } from "./calls.js";

/**
 * A family model with its state and call types erased, for code that handles every family alike
 * (the checker, the CLI). Calls are still checked at the edges by the family's `Call` schema.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFamilyModel = FamilyModel<any, any>;

export const models: Readonly<Record<FamilyName, AnyFamilyModel>> = {
  global_lock: globalLockModel,
  runtime_store: runtimeStoreModel,
  refcounted_lock: refcountedLockModel,
  module_slots: moduleSlotsModel,
  static_mutex: staticMutexModel,
};

export function isFamilyName(name: string): name is FamilyName {
  return Object.prototype.hasOwnProperty.call(models, name);
}
