/**
 * What the reduction tests share (properties/explorer/reductions.test.ts, sections.test.ts,
 * writeProtections.test.ts, blockingAcquires.test.ts): a reduction is tested by running the same programs with and without
 * it and comparing the verdict, the terminal states and the property each seeded bug is caught as.
 */
import { implementations } from "../impl/index.js";
import type { Mutant } from "../impl/mutants/mutant.js";
import { mutantConfig } from "../impl/mutants/mutant.js";
import type { Program, Subject } from "../impl/subject.js";
import type { AnyCall, FamilyName, ModelConfig, Result } from "../model/index.js";
import { explore, type ExploreResult, type Strategy } from "../properties/explorer/index.js";
import { toPrograms } from "../properties/judge/agreement.js";
import { agreementJudge } from "../properties/judge/judge.js";
import { typicalPrograms } from "../properties/workload/typical-programs.js";

export type Exhaustive = Extract<Strategy, { kind: "exhaustive" }>;

/**
 * Explores `programs` (one interpreter each) with `strategy` under the family's online judge and
 * whole-history check; `finals` is every terminal outcome and memory the search reached, sorted.
 */
export function judgedRun(
  family: FamilyName,
  subject: Subject<AnyCall, Result>,
  config: ModelConfig,
  programs: readonly (readonly AnyCall[])[],
  strategy: Exhaustive = { kind: "exhaustive" },
): { readonly r: ExploreResult<AnyCall, Result>; readonly finals: readonly string[] } {
  const hooks = agreementJudge({ family, config, subject }).hooks;
  const seen = new Set<string>();
  const r = explore<AnyCall, Result>(subject, programs.map((calls, i): Program<AnyCall> => ({ interp: i + 1, calls: [...calls] })), {
    strategy,
    ...(hooks.observer ? { observer: hooks.observer } : {}),
    check: (e) => {
      seen.add(`${e.outcome}:${[...e.memory].join(",")}`);
      return hooks.check?.(e);
    },
  });
  return { r, finals: [...seen].sort() };
}

/** `judgedRun` of a family's real implementation running its typical program (`cycles` times) in each of `n` interpreters. */
export function typicalRun(family: FamilyName, n: number, strategy: Exhaustive, cycles = 1): ReturnType<typeof judgedRun> {
  const config = { interpreters: n, capacity: 4 };
  return judgedRun(family, implementations[family](config), config, typicalPrograms(family, n, cycles), strategy);
}

/** The property seeded bug `m` is caught as (undefined: not caught) by `strategy`, on its Subject as `rewrite` leaves it. */
export function mutantProperty(m: Mutant, strategy: Exhaustive, rewrite: (s: Subject<AnyCall, Result>) => Subject<AnyCall, Result> = (s) => s): string | undefined {
  const config = mutantConfig(m);
  const subject = rewrite(m.subject(config));
  return explore(subject, toPrograms(m.programs), { strategy, ...agreementJudge({ family: m.family, config, subject }).hooks }).violation?.property;
}
