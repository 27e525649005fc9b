import { defaultConfig, describeResult, models, type AnyCall, type FamilyName, type ModelConfig, type Result } from "../model/index.js";
import { implementations } from "../impl/index.js";
import type { Program, Subject } from "../impl/subject.js";
import { checkHistory, type Operation } from "./checker/index.js";
import { explore, type Execution, type ExploreOptions, type ExploreResult, type Limits, type Strategy, type Violation } from "./explorer/index.js";
import { checkerModel } from "./family_checker.js";
import { classifyDisagreement, propertyNames } from "./properties.js";

/**
 * Agreement: the implementation's executions, explored over interleavings, judged against the
 * model. Every execution the explorer completes is checked for linearizability (blocking calls
 * included); a deadlock counts only if the model could still complete one of the blocked calls; a
 * violation names the property it breaks.
 */
export interface AgreementOptions {
  readonly family: FamilyName;
  /** The implementation under test; default interlock's own. */
  readonly subject?: Subject<AnyCall, Result>;
  /** One program per interpreter, interpreters numbered from 1. */
  readonly programs: readonly (readonly AnyCall[])[];
  readonly strategy: Strategy;
  readonly config?: ModelConfig;
  readonly limits?: Partial<Limits>;
  readonly onProgress?: ExploreOptions<AnyCall, Result>["onProgress"];
  /** Time budget for the linearizability check of one execution (ms). */
  readonly checkBudgetMs?: number;
}

export function toPrograms(programs: readonly (readonly AnyCall[])[]): Program<AnyCall>[] {
  return programs.map((calls, i) => ({ interp: i + 1, calls }));
}

/** The history of an explored execution as checker operations. */
export function executionOperations(e: Execution<AnyCall, Result>): Operation<AnyCall, Result>[] {
  return e.history.map((h, id) =>
    h.response === null
      ? { id, interp: h.interp, call: h.call, invoke: h.invoke }
      : { id, interp: h.interp, call: h.call, invoke: h.invoke, respond: h.response.step, result: h.response.result },
  );
}

/** The judge of one execution: linearizability against the model, and deadlocks the model does not have. */
export function agreementCheck(
  family: FamilyName,
  config: ModelConfig,
  checkBudgetMs = 10_000,
): (e: Execution<AnyCall, Result>) => Violation | undefined {
  const model = models[family];
  const cm = checkerModel(model, config);
  return (e) => {
    const ops = executionOperations(e);
    const done = ops.filter((o) => o.respond !== undefined);
    const verdict = checkHistory(cm, e.outcome === "deadlock" ? done : ops, { timeMs: checkBudgetMs });
    if (verdict.kind === "unknown") return { property: "agreement", message: `the linearizability check ran out of its ${verdict.reason} budget (${verdict.detail})` };
    if (verdict.kind === "violation") {
      const stuck = verdict.stuck[0];
      let state = model.init(config);
      for (const o of verdict.prefix) state = model.step(state, o.interp, o.call)?.state ?? state;
      const expected = stuck ? model.step(state, stuck.interp, stuck.call)?.result : undefined;
      const c = stuck ? classifyDisagreement(stuck.call, stuck.result, expected) : { property: "agreement" as const, why: "no order of the calls agrees with the model" };
      const where = stuck ? `${model.describeCall(stuck.interp, stuck.call)} returned ${stuck.result ? describeResult(stuck.result) : "nothing"}: ` : "";
      return { property: c.property, message: `${where}${c.why}` };
    }
    if (e.outcome === "deadlock") {
      // The implementation is stuck. If, after the calls that completed (in the order found), the
      // model could still complete any blocked call, the deadlock is the implementation's (P6).
      let state = model.init(config);
      for (const o of verdict.linearization) state = model.step(state, o.interp, o.call)?.state ?? state;
      const blocked = ops.filter((o) => o.respond === undefined);
      const couldMove = blocked.find((o) => model.step(state, o.interp, o.call) !== undefined);
      if (couldMove) {
        return {
          property: "P6",
          message: `every interpreter is blocked, but the model could complete ${model.describeCall(couldMove.interp, couldMove.call)} (${propertyNames.P6})`,
        };
      }
    }
    if (e.outcome === "livelock") return { property: "P6", message: "an execution exceeded the step bound: a livelock or unbounded spinning" };
    return undefined;
  };
}

export function checkAgreement(o: AgreementOptions): ExploreResult<AnyCall, Result> {
  const config = o.config ?? { ...defaultConfig, interpreters: Math.max(defaultConfig.interpreters, o.programs.length) };
  const subject = o.subject ?? implementations[o.family](config);
  const options: ExploreOptions<AnyCall, Result> = {
    strategy: o.strategy,
    check: agreementCheck(o.family, config, o.checkBudgetMs),
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  };
  return explore(subject, toPrograms(o.programs), options);
}
