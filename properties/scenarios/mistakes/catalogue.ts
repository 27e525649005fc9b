/**
 * The mistake catalogue: for every API family, every mistake kind (kinds.ts) either written as a
 * small change to the family's correct column client or marked impossible with the reason.
 *
 * The default export is every possible mistake's client by id, so one can be checked on its own:
 *   interlock verify --client dist/properties/scenarios/mistakes/catalogue.js#static_mutex.count-outside-lock --scenario henv
 * writes the usual report, which `interlock replay` replays.
 */
import { familyNames, type FamilyName } from "../../../model/index.js";
import type { ClientDefinition } from "../contract.js";
import type { MistakeEntry, PossibleMistake } from "./entry.js";
import { globalLockMistakes } from "./global_lock.js";
import { moduleSlotsMistakes } from "./module_slots.js";
import { refcountedLockMistakes } from "./refcounted_lock.js";
import { runtimeStoreMistakes } from "./runtime_store.js";
import { staticMutexMistakes } from "./static_mutex.js";

export type { ImpossibleMistake, MistakeEntry, PossibleMistake } from "./entry.js";
export { mistakeKinds, kindOf, type MistakeKind, type MistakeKindId } from "./kinds.js";

/** Every entry, family by family, in the order of kinds.ts. */
export const catalogue: readonly MistakeEntry[] = [...globalLockMistakes, ...runtimeStoreMistakes, ...refcountedLockMistakes, ...moduleSlotsMistakes, ...staticMutexMistakes];

/** The families the catalogue covers, in the matrix's order. */
export const catalogueFamilies: readonly FamilyName[] = ["global_lock", "runtime_store", "refcounted_lock", "module_slots", "static_mutex"].filter((f): f is FamilyName => familyNames.includes(f as FamilyName));

/** Each possible mistake's client, by id (`verify --client …/catalogue.js#<id>`). */
const byId: Readonly<Record<string, ClientDefinition>> = Object.fromEntries(catalogue.filter((e): e is PossibleMistake => e.possible).map((e) => [e.id, e.client]));
export default byId;
