/**
 * The shape of a catalogue entry. A mutant is a small, deliberate break of the correct
 * implementation — a subclass of a family class that overrides ONE step method (plus, where the
 * broken step touches words the correct code declares lock-protected, the declaration itself, so
 * the mutant's Subject does not claim a protection its code breaks) — tied to a hazard from the
 * design thread and to the property P1–P9 it breaks. The verifier must catch every one of them:
 * a verifier that never fails proves nothing.
 */
import { sizeOfThreads, type AnyCall, type FamilyName, type ModelConfig, type Result, type Threaded } from "../../model/index.js";
import type { Subject } from "../subject.js";

/** The properties of ../shared/reference/properties.md. */
export type PropertyTag = "P1" | "P2" | "P3" | "P4" | "P5" | "P6" | "P7" | "P8" | "P9";

/**
 * How the verifier must catch a mutant:
 *   - `via: "model"`: a finished execution's history is not linearizable with respect to the model
 *     (explorer violation kind "check"); `property` is what properties/judge/property-classifier.ts
 *     `classifyDisagreement` names for the first call the model cannot place;
 *   - `via: "deadlock"`: every interpreter is blocked where the model could still move (kind
 *     "deadlock", property P6);
 *   - `via: "discipline"`: an access breaks a sharing discipline the Subject declares (kind
 *     "monitor", property P9).
 * `property` can differ from the entry's own `property` (the one the mutant breaks): a lost
 * wake-up breaks P9's progress and shows as a P6 deadlock; a forgotten ensure breaks P7 and shows
 * as two interpreters handed different indices for one name.
 */
export interface Expected {
  readonly via: "model" | "deadlock" | "discipline";
  /**
   * The property the verifier names, first the one its smallest counterexample shows; further
   * entries are other consequences of the same break that a strategy may meet first (a lost
   * decrement shows as a missing teardown or, when an import overlaps it, as a skipped init).
   */
  readonly properties: readonly [string, ...string[]];
}

export interface Mutant {
  /** kebab-case, unique in the catalogue. */
  readonly id: string;
  readonly family: FamilyName;
  /** The hazard it represents, in one sentence, with the thread's words where they exist. */
  readonly hazard: string;
  /** The property it breaks. */
  readonly property: PropertyTag;
  /** What changed against the correct implementation, in one sentence. */
  readonly description: string;
  /** The mutant as a Subject for `config` (its name is `<family>/mutant:<id>`). */
  readonly subject: (config: ModelConfig) => Subject<AnyCall, Result>;
  /**
   * The smallest configuration that exposes it: one call list per interpreter (interp i+1 runs
   * programs[i]; or, with `programs.threads`, one per thread, D18; the runtime has exactly these interpreters, `mutantConfig`); references to earlier indices via model/common.ts `refTo`. 1-minimal: dropping
   * any single call makes the violation disappear under exhaustive search.
   */
  readonly programs: Threaded<readonly (readonly AnyCall[])[]>;
  readonly expected: Expected;
}

/** Widens a family Subject to every family's calls (calls of other families are never sent to it). */
export const widen = <C>(s: Subject<C, Result>): Subject<AnyCall, Result> => s as unknown as Subject<AnyCall, Result>;

/** The Subject name of a mutant. */
export const mutantName = (family: FamilyName, id: string): string => `${family}/mutant:${id}`;

/** The runtime a mutant's programs run in: exactly one interpreter per program (so the main interpreter can finalise). */
export const mutantConfig = (m: Pick<Mutant, "programs">): ModelConfig =>
  m.programs.threads === undefined ? { interpreters: m.programs.length, capacity: 4 } : { ...sizeOfThreads(m.programs.threads), capacity: 4 };

/**
 * A variant's sharing claims (`protections`, `writeProtections`): the correct code's, minus the words
 * the variant now touches without the lock — so the explorer schedules those accesses and the
 * counterexample shows their consequence through the model, not only a discipline break.
 */
export function claimsWithout(claims: ReadonlyMap<number, number>, dropped: readonly number[]): ReadonlyMap<number, number> {
  const drop = new Set(dropped);
  return new Map([...claims].filter(([addr]) => !drop.has(addr)));
}
