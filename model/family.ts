import type { Schema } from "effect";
import type { Ghost, ModelConfig, StepResult } from "./common.js";

/**
 * A FamilyModel is the executable meaning of one API family: a pure, sequential, deterministic
 * state machine over the family's calls. It is the single source of meaning everything else is
 * checked against (the implementation, histories from elsewhere, scenarios).
 *
 * `step` returns undefined when the call is not enabled in the state (it blocks). States are
 * immutable; `key` is a canonical string of the whole state (ghost included), so two states are
 * equal exactly when their keys are, and the key doubles as a hash.
 */
export interface FamilyModel<S, C extends { readonly _tag: string }> {
  /** The family's name, its key in the registry (model/profiles.ts). */
  readonly family: string;
  /** The family's calls as a tagged union (runtime calls included). */
  readonly Call: Schema.Schema<C>;
  /** The thread sketch the family follows, for reports. */
  readonly title: string;
  init(config?: ModelConfig): S;
  step(state: S, interp: number, call: C): StepResult<S> | undefined;
  key(state: S): string;
  ghost(state: S): Ghost;
  describeCall(interp: number, call: C): string;
  describeState(state: S): string;
  /**
   * Calls that touch disjoint parts of the state commute, so a history can be checked per part
   * (P-compositionality). Returns the part a call belongs to, or undefined when the call touches
   * everything (runtime calls): then the history cannot be partitioned.
   */
  partitionOf(call: C): string | undefined;
}
