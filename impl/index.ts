/**
 * The Atomics implementation of every API family: one profile per family (impl/profiles.ts), keyed
 * like model/profiles.ts. See impl/README.md for the contract a replacement must meet.
 */
export { GlobalLock, global_lock } from "./global_lock.js";
export { RuntimeStore, runtime_store } from "./runtime_store.js";
export { ModuleSlots, module_slots } from "./module_slots.js";
export { RefcountedLock, refcounted_lock } from "./refcounted_lock.js";
export { StaticMutex, static_mutex } from "./static_mutex.js";
export { Runtime, subjectOf, WAKE_ALL } from "./runtime.js";
export { Registry } from "./registry.js";
export { Lifecycle } from "./lifecycle.js";

export { implementations, implProfiles, registerImplementation } from "./profiles.js";
export type { AnySubject, ExtensionHooks, ImplProfile } from "./profile.js";
