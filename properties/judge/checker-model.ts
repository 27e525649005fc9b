import {
  defaultConfig,
  describeResult,
  equalResult,
  type AnyCall,
  type AnyFamilyModel,
  type ModelConfig,
  type Result,
} from "../../model/index.js";
import type { Model, Operation } from "../checker/index.js";

/**
 * A family model as the linearizability checker sees it: the model's step and canonical key, its
 * API-terms descriptions, and P-compositional partitioning where the family allows it (per def for
 * the lifecycle families; a history with a runtime call, or of a registry family, is one part).
 */
export function checkerModel(family: AnyFamilyModel, config: ModelConfig = defaultConfig): Model<unknown, AnyCall, Result> {
  return {
    init: () => family.init(config),
    step: (s, interp, call) => family.step(s, interp, call),
    equalResult,
    hash: (s) => family.key(s),
    equal: (a, b) => family.key(a) === family.key(b),
    partition(ops: readonly Operation<AnyCall, Result>[]): Operation<AnyCall, Result>[][] {
      const parts = new Map<string, Operation<AnyCall, Result>[]>();
      for (const op of ops) {
        const part = family.partitionOf(op.call);
        if (part === undefined) return [ops.slice()];
        const list = parts.get(part);
        if (list) list.push(op);
        else parts.set(part, [op]);
      }
      return [...parts.keys()].sort().map((k) => parts.get(k)!);
    },
    describeCall: (interp, call) => family.describeCall(interp, call),
    describeResult,
    describeState: (s) => family.describeState(s),
  };
}
