/**
 * The Atomics implementation of every API family: one Subject factory per family, keyed like
 * model/index.ts `models`. See impl/README.md for the contract a replacement must meet.
 */
import type { AnyCall, FamilyName, ModelConfig, Result } from "../model/index.js";
import { global_lock } from "./global_lock.js";
import { module_slots } from "./module_slots.js";
import { refcounted_lock } from "./refcounted_lock.js";
import { runtime_store } from "./runtime_store.js";
import { static_mutex } from "./static_mutex.js";
import type { Subject } from "./subject.js";

export { GlobalLock, global_lock } from "./global_lock.js";
export { RuntimeStore, runtime_store } from "./runtime_store.js";
export { ModuleSlots, module_slots } from "./module_slots.js";
export { RefcountedLock, refcounted_lock } from "./refcounted_lock.js";
export { StaticMutex, static_mutex } from "./static_mutex.js";
export { Runtime, subjectOf, WAKE_ALL } from "./runtime.js";
export { Registry } from "./registry.js";
export { Lifecycle } from "./lifecycle.js";

/** A family's Subject with its call type widened to every family's calls (calls of other families are never sent to it). */
export type AnySubject = Subject<AnyCall, Result>;

const widen =
  <C>(factory: (config: ModelConfig) => Subject<C, Result>) =>
  (config: ModelConfig): AnySubject =>
    factory(config) as unknown as AnySubject;

export const implementations: Readonly<Record<FamilyName, (config: ModelConfig) => AnySubject>> = {
  global_lock: widen((c) => global_lock(c)),
  runtime_store: widen((c) => runtime_store(c)),
  refcounted_lock: widen((c) => refcounted_lock(c)),
  module_slots: widen((c) => module_slots(c)),
  static_mutex: widen((c) => static_mutex(c)),
};
