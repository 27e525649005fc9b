import { callRole, decodeIndex, describeResult, isRuntimeCall, type AnyCall, type CallRole, type ModelProfile, type Result } from "../../model/index.js";

/**
 * The properties P1–P9 (../shared/reference/properties.md) by id, and how a disagreement between
 * the implementation and the model maps onto them: when a call returns what the model says it
 * cannot return at that point, *which* promise did the implementation break? Reports name it.
 */
export const propertyNames = {
  P1: "exactly-once init per lifetime epoch",
  P2: "no teardown while in use; teardown exactly once, by the last releaser",
  P3: "balanced acquire/release per module instance",
  P4: "process-global storage holds nothing a dying interpreter owns",
  P5: "a failed init rolls back every global side effect",
  P6: "no deadlock; lock order is safe",
  P7: "runtime finalise and re-initialise leave nothing behind",
  P8: "no ABA: a stale index never reaches a newer resource",
  P9: "mutual exclusion and progress of the locks themselves",
  agreement: "every history is linearizable with respect to the model",
} as const;
export type PropertyId = keyof typeof propertyNames;

export interface Classified {
  readonly property: PropertyId;
  /** One sentence in API terms. */
  readonly why: string;
}

/** An index or key argument in words: its slot and generation (model/common.ts `encodeIndex`). */
function indexWords(call: AnyCall): string {
  const v = "index" in call ? call.index : "key" in call ? call.key : undefined;
  const at = v === undefined ? undefined : decodeIndex(v);
  return at === undefined ? "the index" : `index ${v} (slot ${at.slot}, generation ${at.generation})`;
}

const ok = (r: Result | undefined, v?: number): boolean => r !== undefined && r._tag === "Ok" && (v === undefined || r.value === v);
const errIs = (r: Result | undefined, e: string): boolean => r !== undefined && r._tag === "Err" && r.error === e;

/** The sentence of a classification: why, then what was returned and what the model says. */
function describedBecause(observed: Result | undefined, expected: Result | undefined): (property: PropertyId, why: string) => Classified {
  const saw = observed ? describeResult(observed) : "nothing (pending)";
  const want = expected ? describeResult(expected) : "to block";
  return (property, why) => ({ property, why: `${why} (returned ${saw}; the model says ${want})` });
}

/** A registry family's release of an ensure (its close), which `NotEnsured` explains by its own symptom. */
function releasesAnEnsure(tag: string): boolean {
  const found = callRole(tag);
  return found?.role === "close" && found.profile.globalState === "registry";
}

/**
 * Classifies a call the model could not place: `observed` is what the implementation returned,
 * `expected` what the model would return at the longest linearizable prefix (undefined when the
 * model says the call cannot complete there: it would block). Evidence that names the cause
 * whatever the call comes first: the model says the index no longer resolves (its slot was freed
 * and reused: a newer generation), yet the call went through — P8; the model says the caller never
 * ensured the entry, yet it went through — P3; the model says the caller still holds its ensure,
 * yet the implementation had dropped it — P3. Otherwise the call's own symptom names it.
 */
export function classifyDisagreement(call: AnyCall, observed: Result | undefined, expected: Result | undefined): Classified {
  const because = describedBecause(observed, expected);
  const tag = call._tag;
  if (observed?._tag === "Ok" && errIs(expected, "StaleIndex")) return because("P8", `a stale index reached a newer resource: ${indexWords(call)} no longer resolves, yet ${tag} went through`);
  if (observed?._tag === "Ok" && errIs(expected, "NotEnsured") && !releasesAnEnsure(tag)) {
    return because("P3", `an interpreter reached an entry it never ensured (or already released): ${tag} went through without a balanced ensure`);
  }
  if (expected?._tag === "Ok" && (errIs(observed, "StaleIndex") || errIs(observed, "NotEnsured"))) return because("P3", "a module instance lost its ensure to another instance's release");
  return classifyBySymptom(call, observed, expected);
}

/**
 * What the call alone says broke: the first symptom, by the call's role in its family's usage
 * (model/profile.ts `FamilyUsage`: an import or ensure, an unload or release, a use, the lock and
 * the library call inside it), where the family keeps its global state, and the two results (no
 * evidence beyond them).
 */
export function classifyBySymptom(call: AnyCall, observed: Result | undefined, expected: Result | undefined): Classified {
  const because = describedBecause(observed, expected);
  const found = callRole(call._tag);
  if (expected === undefined && observed?._tag === "Ok") {
    if (found?.role === "acquire") return because("P9", "the lock was acquired while another interpreter held it");
    if (call._tag === "Py_FinalizeEx") return because("P7", "the runtime finalised while an interpreter was still inside the extension (holding a lock it must wait for, D3)");
    return because("P9", "a call went through a lock another interpreter held");
  }
  if (isRuntimeCall(call)) return because("P7", "interpreter or runtime finalisation disagrees with the model");
  const symptom = found === undefined ? undefined : symptomOf(found.role, found.profile, observed, expected, because);
  // A call no usage gives a role, or of a family the generic rules know nothing of: agreement itself.
  return symptom ?? because("agreement", "the result disagrees with the model");
}

type Because = (property: PropertyId, why: string) => Classified;

/** The symptom of a call playing `role` in a family with `profile`'s traits (undefined: none known). */
function symptomOf(role: CallRole, profile: ModelProfile, observed: Result | undefined, expected: Result | undefined, because: Because): Classified | undefined {
  const state = profile.globalState;
  switch (role) {
    case "inside":
      return because("P9", "two interpreters were inside the library at once (a lost update)");
    case "release":
      return because("P9", "the lock was released by an interpreter that did not hold it");
    case "acquire":
      if (errIs(expected, "StaleIndex") || errIs(expected, "NameMismatch")) return because("P8", "a stale or mismatched index reached a lock");
      return because("P9", "the lock's ownership disagrees with the model");
    case "open":
      return state === "lifecycle" ? importSymptom(observed, expected, because) : state === "registry" ? ensureSymptom(observed, expected, because) : undefined;
    case "close":
      return state === "lifecycle" ? unloadSymptom(observed, expected, because) : state === "registry" ? releaseSymptom(profile, observed, expected, because) : undefined;
    case "use":
      return state === "lifecycle" ? useSymptom(observed, expected, because) : state === "registry" ? lookupSymptom(observed, expected, because) : undefined;
  }
}

/** An import (a lifecycle family's open): the epoch, the failure rollback, the import cycle, else the instance count. */
function importSymptom(observed: Result | undefined, expected: Result | undefined, because: Because): Classified {
  if (ok(observed, 1) && ok(expected, 0)) return because("P1", "global state was initialised again while an earlier epoch was still alive");
  if (ok(observed, 0) && ok(expected, 1)) return because("P1", "the import skipped initialisation although no epoch was alive");
  if (errIs(expected, "InitFailed") || errIs(observed, "InitFailed") || errIs(expected, "ExecFailed") || errIs(observed, "ExecFailed")) {
    return because("P5", "a failed init did not leave the state as the model requires");
  }
  if (errIs(observed, "ImportCycle") || errIs(expected, "ImportCycle") || errIs(observed, "Reentrant")) {
    return because("P6", "re-entry into init was not handled as an import cycle");
  }
  return because("P3", "the module instance count disagrees with the model");
}

/** An unload (a lifecycle family's close): teardown by the last user only, else the instance count. */
function unloadSymptom(observed: Result | undefined, expected: Result | undefined, because: Because): Classified {
  if (ok(observed, 1) && ok(expected, 0)) return because("P2", "global state was torn down while another interpreter still used it");
  if (ok(observed, 0) && ok(expected, 1)) return because("P2", "the last user did not tear the global state down");
  return because("P3", "an unload was accepted or refused against the instance count");
}

/** A use of global state (a lifecycle family's use). */
function useSymptom(observed: Result | undefined, expected: Result | undefined, because: Because): Classified {
  if (ok(observed, 0)) return because("P2", "an interpreter used global state that was torn down or not yet set up");
  if (observed?._tag === "Ok" && expected?._tag === "Ok") return because("P1", "an interpreter saw the handle of another epoch");
  return because("P3", "use was accepted or refused against the instance count");
}

/** An ensure (a registry family's open). */
function ensureSymptom(observed: Result | undefined, expected: Result | undefined, because: Because): Classified {
  if (observed?._tag === "Ok" && expected?._tag === "Ok") return because("P1", "two interpreters got different indices for the same (def, name): two resources for one name");
  return because("P5", "ensure failed or succeeded against the registry's capacity");
}

/** A call through an index or key (a registry family's use). */
function lookupSymptom(observed: Result | undefined, expected: Result | undefined, because: Because): Classified {
  if (observed?._tag === "Ok" && (errIs(expected, "StaleIndex") || errIs(expected, "NameMismatch"))) return because("P8", "a stale index or key resolved to a newer entry");
  if (observed?._tag === "Ok" && errIs(expected, "NotEnsured")) return because("P3", "an interpreter reached an entry it never ensured");
  if (expected?._tag === "Ok" && (errIs(observed, "StaleIndex") || errIs(observed, "NotEnsured"))) return because("P3", "a module instance lost its ensure to another instance's release");
  return because("agreement", "the value read disagrees with the model");
}

/**
 * A release of an ensure (a registry family's close). Where the runtime counts every resource's
 * users (the store), the release tells the last one it is last.
 */
function releaseSymptom(profile: ModelProfile, observed: Result | undefined, expected: Result | undefined, because: Because): Classified {
  const tellsLast = profile.runtimeCounts === "every-resource";
  if (tellsLast && ok(observed, 0) && ok(expected, 1)) return because("P2", "the last user was not told it was last, so nobody frees the value");
  if (tellsLast && ok(observed, 1) && ok(expected, 0)) return because("P2", "a releaser was told it was last while another interpreter still uses the key");
  if (observed?._tag === "Ok" && errIs(expected, "NotEnsured")) return because("P3", "a release was accepted from an interpreter that holds no ensure (released twice, or ensured by another)");
  if (observed?._tag === "Ok" && errIs(expected, "StaleIndex")) return because("P8", "a stale index was released");
  return because("P3", "the ensure count disagrees with the model");
}

/**
 * Hazards the ghost counters record that no result shows, judged as violations wherever a run ends
 * (model/README.md, "Ghost state"): a lock whose holder's interpreter ended while holding it (P9:
 * the next acquirer gets whatever half-updated state the holder left, D7), an interpreter-owned
 * value other interpreters can still reach after its owner died (P4, D9), a store value the runtime
 * deallocated without telling anyone to free it (P7, D8), registry entries left for runtime
 * finalisation to reclaim (P7). `fields` are the ghost counters as an implementation's `decode`
 * names them (`ghost.abandoned`, …); a counter that is absent is not judged.
 */
export function ghostHazard(fields: Readonly<Record<string, number>>): Classified | undefined {
  const n = (k: string): number => fields[k] ?? 0;
  if (n("ghost.abandoned") > 0) return { property: "P9", why: `${n("ghost.abandoned")} lock(s) abandoned: a holder's interpreter ended while holding it, and the next acquirer gets the state it left half-updated` };
  if (n("ghost.dangling") > 0) return { property: "P4", why: `${n("ghost.dangling")} value(s) owned by an ended interpreter are still reachable in process-global storage` };
  if (n("ghost.dropped") > 0) return { property: "P7", why: `${n("ghost.dropped")} store value(s) deallocated with their storage without anyone being told to free them: a leak` };
  if (n("ghost.leaks") > 0) return { property: "P7", why: `${n("ghost.leaks")} registry entr(ies) left for runtime finalisation to reclaim: a leak` };
  return undefined;
}
