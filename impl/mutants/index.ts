/**
 * The mutant catalogue: every deliberately broken implementation the verifier must catch (see
 * mutant.ts for an entry's shape, properties/verify/mutant-runs.ts for running them).
 */
import { globalLockMutants } from "./global_lock.js";
import { moduleSlotsMutants } from "./module_slots.js";
import type { Mutant } from "./mutant.js";
import { refcountedLockMutants } from "./refcounted_lock.js";
import { runtimeStoreMutants } from "./runtime_store.js";
import { staticMutexMutants } from "./static_mutex.js";

export type { Expected, Mutant, PropertyTag } from "./mutant.js";

export const mutants: readonly Mutant[] = [
  ...globalLockMutants,
  ...runtimeStoreMutants,
  ...moduleSlotsMutants,
  ...refcountedLockMutants,
  ...staticMutexMutants,
];
