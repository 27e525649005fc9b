import { defaultConfig, interpOf, sizeOfThreads, threadsOfSet, type AnyCall, type FamilyName, type ModelConfig, type Result, type Threaded } from "../../model/index.js";
import { implementations } from "../../impl/index.js";
import type { Program, Subject } from "../../impl/subject.js";
import type { Budget } from "../checker/index.js";
import { explore, type ExploreOptions, type ExploreResult, type Limits, type Strategy } from "../explorer/index.js";
import { agreementJudge, type BlockedByDesign, type Judge } from "./judge.js";

/**
 * Agreement: the implementation's executions, explored over interleavings, judged against the
 * model by one `Judge` (properties/judge/): every execution the explorer completes is checked for
 * linearizability (blocking calls included); a deadlock counts only if the model could still
 * complete one of the blocked calls, and one the model has too is reported as such; a violation
 * names the property it breaks and carries its evidence.
 */
export interface AgreementOptions {
  readonly family: FamilyName;
  /** The implementation under test; default interlock's own. */
  readonly subject?: Subject<AnyCall, Result>;
  /** One program per interpreter, interpreters numbered from 1. */
  readonly programs: readonly (readonly AnyCall[])[];
  readonly strategy: Strategy;
  /**
   * The model's configuration. Default: the default capacity with exactly `programs.length`
   * interpreters — never more, since an interpreter with no program is still alive and changes
   * what runtime calls can do (Py_FinalizeEx would end it).
   */
  readonly config?: ModelConfig;
  readonly limits?: Partial<Limits>;
  readonly onProgress?: ExploreOptions<AnyCall, Result>["onProgress"];
  /** Budget of the linearizability check of one execution (memo entries; time only as a safety net). */
  readonly checkBudget?: Budget;
}

/** An exploration judged for agreement, with what the judge noticed beside its verdict. */
export type AgreementResult = ExploreResult<AnyCall, Result> & {
  /** Executions that ended blocked where the model blocks too: the programs cannot finish. */
  readonly blockedByDesign: BlockedByDesign | null;
};

/** The explorer's programs of a program set: program i runs as thread `threads[i]` (D18), or as interp i + 1. */
export function toPrograms(programs: Threaded<readonly (readonly AnyCall[])[]>): Program<AnyCall>[] {
  const threads = threadsOfSet(programs);
  return programs.map((calls, i) => {
    const thread = threads[i] as number;
    return thread === interpOf(thread) ? { interp: thread, calls } : { interp: interpOf(thread), thread, calls };
  });
}

/** The configuration a set of programs runs in when the caller names none: one interpreter per program, or what its threads need (D18). */
export function configFor(programs: Threaded<readonly (readonly AnyCall[])[]>, config?: ModelConfig): ModelConfig {
  if (config !== undefined) return config;
  if (programs.threads === undefined) return { ...defaultConfig, interpreters: Math.max(1, programs.length) };
  return { ...defaultConfig, ...sizeOfThreads(programs.threads) };
}

/** Explores `programs` under `judge` (its hooks), reporting what the judge noticed. */
export function exploreJudged(
  judge: Judge,
  programs: readonly (readonly AnyCall[])[],
  strategy: Strategy,
  extra: Pick<ExploreOptions<AnyCall, Result>, "limits" | "onProgress"> = {},
): AgreementResult {
  judge.takeBlockedByDesign(); // notes of earlier runs under the same judge are not this run's
  const result = explore(judge.subject, toPrograms(programs), { strategy, ...judge.hooks, ...extra });
  const blockedByDesign = judge.takeBlockedByDesign();
  if (blockedByDesign === null) return { ...result, blockedByDesign };
  const note = ` ${blockedByDesign.times} end state${blockedByDesign.times === 1 ? "" : "s"} left calls blocked that the model blocks forever too (${blockedByDesign.calls.join(", ")}): the programs cannot finish.`;
  return { ...result, blockedByDesign, coverage: { ...result.coverage, sentence: result.coverage.sentence + note } };
}

export function checkAgreement(o: AgreementOptions): AgreementResult {
  const config = configFor(o.programs, o.config);
  const subject = o.subject ?? implementations[o.family](config);
  const judge = agreementJudge({ family: o.family, config, subject, ...(o.checkBudget ? { checkBudget: o.checkBudget } : {}) });
  return exploreJudged(judge, o.programs, o.strategy, { ...(o.limits ? { limits: o.limits } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
}
