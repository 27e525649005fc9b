/**
 * The registry of implementations: one line per family, keyed like model/profiles.ts. Adding a
 * family is its model file, its implementation file and one line in each registry.
 */
import type { AnyCall, ErrorCode, FamilyName, ModelConfig, Result } from "../model/index.js";
import { GlobalLock, global_lock } from "./global_lock.js";
import { Lifecycle } from "./lifecycle.js";
import type { Code } from "./memory.js";
import { ModuleSlots, module_slots } from "./module_slots.js";
import type { AnySubject, ExtensionHooks, ImplProfile, ImportOp } from "./profile.js";
import { RefcountedLock, refcounted_lock } from "./refcounted_lock.js";
import type { Runtime } from "./runtime.js";
import { RuntimeStore, runtime_store } from "./runtime_store.js";
import { StaticMutex, static_mutex } from "./static_mutex.js";
import type { Subject } from "./subject.js";

const widen =
  <C>(factory: (config: ModelConfig) => Subject<C, Result>) =>
  (config: ModelConfig): AnySubject =>
    factory(config) as unknown as AnySubject;

const asAny = <C extends { readonly _tag: string }>(r: Runtime<C>): Runtime<AnyCall> => r as unknown as Runtime<AnyCall>;

/**
 * A lifecycle family's runtime with an extension's callbacks run where the runtime calls
 * Py_mod_global_init / Py_mod_global_exit (module_slots, refcounted_lock).
 */
function withHooks<C extends { readonly _tag: string }>(Base: new (config: ModelConfig) => Lifecycle<C>) {
  return (config: ModelConfig, hooks?: ExtensionHooks): Runtime<AnyCall> => {
    const runtime = new Base(config);
    if (hooks === undefined) return asAny(runtime);
    // The runtime calls its own globalInit/globalExit through `this`: the instance's own methods wrap the class's.
    const ownInit = runtime.globalInit.bind(runtime);
    const ownExit = runtime.globalExit.bind(runtime);
    runtime.globalInit = (interp: number, o: ImportOp): Code<ErrorCode | undefined> => hooks.globalInit(interp, o, ownInit);
    runtime.globalExit = (def: ImportOp["def"]): Code<void> => hooks.globalExit(def, ownExit);
    return asAny(runtime);
  };
}

const builtIn: Readonly<Record<FamilyName, ImplProfile>> = {
  global_lock: { subject: widen((c) => global_lock(c)), runtime: (c) => asAny(new GlobalLock(c)), libraryCounter: "slot0.calls" },
  runtime_store: { subject: widen((c) => runtime_store(c)), runtime: (c) => asAny(new RuntimeStore(c)) },
  refcounted_lock: { subject: widen((c) => refcounted_lock(c)), runtime: withHooks(RefcountedLock), libraryCounter: "odbc.calls" },
  module_slots: { subject: widen((c) => module_slots(c)), runtime: withHooks(ModuleSlots) },
  static_mutex: { subject: widen((c) => static_mutex(c)), runtime: (c) => asAny(new StaticMutex(c)), libraryCounter: "odbc.calls" },
};

/** The implementation profile of every registered family. */
export const implProfiles: Readonly<Record<FamilyName, ImplProfile>> = { ...builtIn };

/** Every registered family's Subject factory. */
export const implementations: Readonly<Record<FamilyName, (config: ModelConfig) => AnySubject>> = Object.fromEntries(
  Object.entries(implProfiles).map(([f, p]) => [f, p.subject]),
) as Record<FamilyName, (config: ModelConfig) => AnySubject>;

/**
 * Registers the implementation of a family registered with model/profiles.ts `registerFamily`
 * (how a test adds a fixture family; the built-in families are the table above).
 */
export function registerImplementation(family: FamilyName, profile: ImplProfile): void {
  if (Object.prototype.hasOwnProperty.call(implProfiles, family)) throw new Error(`family ${family} has an implementation already`);
  (implProfiles as Record<FamilyName, ImplProfile>)[family] = profile;
  (implementations as Record<FamilyName, (config: ModelConfig) => AnySubject>)[family] = profile.subject;
}
