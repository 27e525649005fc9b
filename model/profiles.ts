/**
 * The registry of API families at the model level: one line per family. Everything else that
 * differs between families is read from a family's `ModelProfile` (model/profile.ts), which the
 * family's own model file defines, so adding a family is its model file, its implementation file
 * and one line here (and one in impl/profiles.ts).
 */
import type { FamilyModel } from "./family.js";
import { globalLockProfile } from "./global_lock.js";
import { moduleSlotsProfile } from "./module_slots.js";
import type { AnyFamilyModel, CallRole, FamilyUsage, ModelProfile } from "./profile.js";
import { refcountedLockProfile } from "./refcounted_lock.js";
import { runtimeStoreProfile } from "./runtime_store.js";
import { staticMutexProfile } from "./static_mutex.js";

export { globalLockProfile, moduleSlotsProfile, refcountedLockProfile, runtimeStoreProfile, staticMutexProfile };

/** The built-in families, one line each. */
const builtIn = {
  global_lock: globalLockProfile,
  runtime_store: runtimeStoreProfile,
  refcounted_lock: refcountedLockProfile,
  module_slots: moduleSlotsProfile,
  static_mutex: staticMutexProfile,
} as const;

/** The five API families interlock models, named after the proposal each one follows. */
export type FamilyName = keyof typeof builtIn;
export const familyNames = Object.keys(builtIn) as readonly FamilyName[];
/** The calls of family F (runtime calls included), as its model declares them. */
export type FamilyCall<F extends FamilyName> = F extends FamilyName ? ((typeof builtIn)[F]["model"] extends FamilyModel<infer _S, infer C> ? C : never) : never;

/** The profile of every registered family (the built-in ones, and any a test registers). */
export const profiles: { readonly [F in FamilyName]: ModelProfile<FamilyCall<F>> } = { ...builtIn };

/** Every registered family's model. */
export const models: Readonly<Record<FamilyName, AnyFamilyModel>> = Object.fromEntries(Object.entries(profiles).map(([f, p]) => [f, p.model])) as Record<FamilyName, AnyFamilyModel>;

export function isFamilyName(name: string): name is FamilyName {
  return Object.prototype.hasOwnProperty.call(profiles, name);
}

/**
 * Registers one more family at run time and returns its name, which from then on names a family
 * everywhere `models[…]` and `profiles[…]` are read (the explorer, the judge, the checker). The
 * built-in families are the table above; this is how a test shows a family added from outside
 * runs through the generic machinery (test/fixtures/family/). It does not add the family to
 * `familyNames`, the list the command line offers.
 */
export function registerFamily(profile: ModelProfile): FamilyName {
  if (isFamilyName(profile.family)) throw new Error(`family ${profile.family} is registered already`);
  const name = profile.family as FamilyName; // a registered name is a family name: that is what registering means
  (profiles as Record<FamilyName, ModelProfile>)[name] = profile;
  (models as Record<FamilyName, AnyFamilyModel>)[name] = profile.model;
  return name;
}

/** The roles a usage gives its calls' tags. */
function rolesOf(usage: FamilyUsage): [string, CallRole][] {
  return [
    [usage.open, "open"],
    [usage.close, "close"],
    ...usage.uses.map((t): [string, CallRole] => [t, "use"]),
    ...(usage.lock === undefined
      ? []
      : [[usage.lock.acquire, "acquire"] as [string, CallRole], [usage.lock.release, "release"] as [string, CallRole], ...usage.lock.inside.map((t): [string, CallRole] => [t, "inside"])]),
  ];
}

/**
 * The role a call tag plays (`FamilyUsage`) and the profile of the first registered family whose
 * usage gives it one, or undefined (a runtime call, or a call no usage names). A tag has the same
 * role in every family that has it, so the judge can name a call's symptom without its family.
 */
export function callRole(tag: string): { readonly role: CallRole; readonly profile: ModelProfile } | undefined {
  for (const profile of Object.values(profiles) as ModelProfile[]) {
    const found = rolesOf(profile.usage).find(([t]) => t === tag);
    if (found !== undefined) return { role: found[1], profile };
  }
  return undefined;
}
