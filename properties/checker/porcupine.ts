/**
 * Porcupine's model shape, for users porting a Go model: `Step(state, input, output) (bool, state)`
 * judges an observed output instead of computing one. `fromPorcupine` turns such a model into an
 * interlock `Model` (whose `step` receives the observed result as its fourth argument), so the
 * checker, the brute-force reference and `check-history --model` all take it.
 */
import type { Model, Operation } from "./types.js";

/** A model written as for Porcupine (Go): init, a judging step, and the optional extras. */
export interface PorcupineModel<S, Input, Output> {
  init(): S;
  /**
   * Whether `input` with observed `output` can happen in `state`, and the state after it.
   * `output` is undefined for a pending operation (Jepsen's `:info`, Porcupine's "unknown" output):
   * accept it wherever the input could take effect, and return the state it leaves.
   */
  step(state: S, input: Input, output: Output | undefined): readonly [boolean, S];
  /** Splits a history into independent parts (Porcupine's `Partition`). */
  partition?(ops: readonly Operation<Input, Output>[]): Operation<Input, Output>[][];
  /** Porcupine's `Equal`; give it with `hash`. */
  equal?(a: S, b: S): boolean;
  /** A key of a state: equal states, equal keys (Porcupine hashes states the same way). */
  hash?(s: S): string | number;
  /** Porcupine's `DescribeOperation`. */
  describeOperation?(input: Input, output: Output | undefined): string;
  /** Porcupine's `DescribeState`. */
  describeState?(s: S): string;
}

/** The interlock Model that checks exactly what the Porcupine-style model accepts. */
export function fromPorcupine<S, Input, Output>(m: PorcupineModel<S, Input, Output>): Model<S, Input, Output> {
  const model: Model<S, Input, Output> = {
    init: () => m.init(),
    step(state, _interp, input, observed) {
      const [ok, next] = m.step(state, input, observed);
      // The result handed back is the observed one: the step has already judged it.
      return ok ? { state: next, result: observed as Output } : undefined;
    },
    equalResult: () => true,
  };
  if (m.partition) model.partition = (ops) => m.partition!(ops);
  if (m.equal) model.equal = (a, b) => m.equal!(a, b);
  if (m.hash) model.hash = (s) => m.hash!(s);
  if (m.describeOperation) model.describeCall = (interp, input) => `process ${interp}: ${m.describeOperation!(input, undefined)}`;
  if (m.describeState) model.describeState = (s) => m.describeState!(s);
  return model;
}
