import { threadOf } from "../../model/thread.js";
import fc from "fast-check";
import { defaultConfig, familyNames, threadsOfSet, withThreads, type AnyCall, type FamilyName, type ModelConfig, type Result, type Threaded } from "../../model/index.js";
import { implementations } from "../../impl/index.js";
import type { Subject } from "../../impl/subject.js";
import { exploreJudged, toPrograms, type AgreementResult } from "../judge/agreement.js";
import { replay, shrink, type Limits, type Progress, type Strategy } from "../explorer/index.js";
import { agreementJudge, type Judge } from "../judge/judge.js";
import { traceCounterexample, type Counterexample } from "../judge/counterexample.js";
import { typicalPrograms } from "../workload/typical-programs.js";
import { programsArbitrary } from "../workload/program-arbitraries.js";
import type { ChosenPrograms } from "../io/programs-file.js";

/**
 * The verification job: for each family, the implementation explored under each strategy and
 * judged against the model. A job is one (family, strategy, workload); the list of jobs is fixed
 * and ordered, so `--shard i/n` takes every n-th job deterministically and shards 1..n together
 * do exactly the unsharded work.
 *
 * Budgets are counted in work — states for the stateful strategies, runs for PCT and random,
 * program sets for fast-check — so the same command gives the same verdict on a fast machine and
 * on a loaded one. Wall clock is only a safety net (`--budget-ms`); a run it stops ends *unknown*
 * and says which flag to raise.
 */
export const strategyNames = ["exhaustive", "bounded", "pct", "random"] as const;
export type StrategyName = (typeof strategyNames)[number];

/** The preemption bound of the bounded strategy in the verification job. */
export const boundedPreemptions = 2;

export interface Job {
  /** Stable identity, also the report's file name: `module_slots.exhaustive`. */
  readonly id: string;
  readonly family: FamilyName;
  readonly strategyName: StrategyName;
  /** The workload in words: "typical program ×1 in 3 interpreters" or "fast-check programs". */
  readonly workload: string;
}

export interface VerifySettings {
  readonly families: readonly FamilyName[];
  readonly strategies: readonly StrategyName[];
  readonly interpreters: number;
  readonly seed: number;
  /** Wall-clock safety net of one job (ms): never the budget that decides a verdict on a sound machine. */
  readonly budgetMs: number;
  /** Most states a stateful search (exhaustive, bounded) stores: the work budget of those strategies. */
  readonly maxStates: number;
  /** PCT and random: runs per program set. */
  readonly runs: number;
  /** fast-check program sets explored by the random strategy. */
  readonly programSets: number;
  /** Limits set from the environment (INTERLOCK_MAX_STEPS …); flags above take precedence. */
  readonly limits: Partial<Limits>;
  /** The model's capacity (slots per registry); interpreters come from `interpreters`. */
  readonly capacity: number;
  /**
   * Chosen workloads (`--programs`): per family, one program per interpreter, run by every
   * strategy in place of the typical program (the random strategy then draws only schedules).
   * `programsSource` is the file they came from, for the job's workload sentence.
   */
  readonly programs?: ChosenPrograms;
  /** Threads per interpreter the chosen programs run (D18; absent: 1), from the programs file. */
  readonly threads?: number;
  readonly programsSource?: string;
}

export const defaultVerifySettings: VerifySettings = {
  families: familyNames,
  strategies: strategyNames,
  interpreters: 3,
  seed: 1,
  budgetMs: 1_800_000,
  maxStates: 12_000_000,
  runs: 1000,
  programSets: 25,
  limits: {},
  capacity: defaultConfig.capacity,
};

/** The model configuration of a run: exactly the interpreters asked for, never padded. */
export function configOf(s: Pick<VerifySettings, "interpreters" | "capacity"> & { readonly threads?: number }): ModelConfig {
  return s.threads === undefined ? { interpreters: s.interpreters, capacity: s.capacity } : { interpreters: s.interpreters, capacity: s.capacity, threads: s.threads };
}

/** The explorer limits of one job: the environment's, then the work budget, then the safety net. */
export function limitsOf(s: VerifySettings): Partial<Limits> {
  return { ...s.limits, maxStates: s.maxStates, timeLimitMs: s.budgetMs };
}

/** Every job of a run, in a fixed order. */
export function planJobs(s: Pick<VerifySettings, "families" | "strategies" | "interpreters" | "programs" | "programsSource">): Job[] {
  const jobs: Job[] = [];
  for (const family of s.families) {
    for (const strategyName of s.strategies) {
      const workload =
        s.programs?.[family] !== undefined
          ? `programs from ${s.programsSource ?? "a programs file"} in ${s.interpreters} interpreters`
          : strategyName === "random"
          ? `fast-check programs in ${s.interpreters} interpreters`
          : `typical program ×${cyclesOf(strategyName)} in ${s.interpreters} interpreters`;
      jobs.push({ id: `${family}.${strategyName}`, family, strategyName, workload });
    }
  }
  return jobs;
}

/** The jobs of shard `index` (1-based) of `count`: every count-th job, starting at index − 1. */
export function shardJobs(jobs: readonly Job[], index: number, count: number): Job[] {
  return jobs.filter((_, i) => i % count === index - 1);
}

/** How many import/use/unload cycles each strategy's typical program runs. */
function cyclesOf(strategy: StrategyName): number {
  return strategy === "exhaustive" ? 1 : 2;
}

export function strategyOf(name: StrategyName, s: VerifySettings): Strategy {
  switch (name) {
    case "exhaustive":
      return { kind: "exhaustive" };
    case "bounded":
      return { kind: "bounded", maxPreemptions: boundedPreemptions };
    case "pct":
      return { kind: "pct", depth: 3, runs: s.runs, seed: s.seed };
    case "random":
      return { kind: "random", runs: Math.max(1, Math.floor(s.runs / 20)), seed: s.seed };
  }
}

export interface JobResult {
  readonly job: Job;
  readonly strategy: Strategy;
  /** The model configuration the job ran in (exactly what the report records and replay rebuilds). */
  readonly config: ModelConfig;
  /** The explorer limits the job ran with. */
  readonly limits: Partial<Limits>;
  /** The programs of the execution reported (for the random strategy: the shrunk failing set, or the last set). */
  readonly programs: Threaded<AnyCall[][]>;
  readonly result: AgreementResult;
  /** For a violation: the shrunk counterexample replayed with every access traced, and its evidence. */
  readonly counterexample: Counterexample | null;
  readonly elapsedMs: number;
  /** Program sets explored (1 except for the random strategy). */
  readonly programSets: number;
}

export type SubjectFactory = (config: ModelConfig) => Subject<AnyCall, Result>;

/** The message of a run the wall-clock safety net stopped: it names the flag that raises it. */
function safetyNet(result: AgreementResult, budgetMs: number): AgreementResult {
  if (result.limit?.limit !== "timeLimitMs") return result;
  const message = `the wall-clock safety net of ${budgetMs} ms stopped the job before its work budget was spent (raise it with --budget-ms)`;
  const limit = { ...result.limit, message };
  return { ...result, limit, coverage: { ...result.coverage, sentence: result.coverage.sentence.replace(result.limit.message, message) } } as AgreementResult;
}

/**
 * Runs one job. The random strategy is property-based: fast-check draws per-interpreter programs
 * from the Schema vocabulary, each set is explored with random schedules, and a failing set is
 * shrunk by fast-check (fewer, simpler calls) and its schedule by `shrink` (fewer preemptions).
 */
export function runJob(job: Job, s: VerifySettings, factory: SubjectFactory = implementations[job.family], onProgress?: (p: Progress) => void): JobResult {
  const config = configOf(s);
  const strategy = strategyOf(job.strategyName, s);
  const limits = limitsOf(s);
  const t0 = performance.now();
  const judge = agreementJudge({ family: job.family, config, subject: factory(config) });
  const finish = (programs: Threaded<AnyCall[][]>, result: AgreementResult, programSets: number): JobResult => {
    const small = smallest(judge, programs, result, limits);
    return {
      job,
      strategy,
      config,
      limits,
      programs: small.programs,
      result: safetyNet(small.result, s.budgetMs),
      counterexample: small.result.violation === null ? null : traceCounterexample(judge, small.programs, small.result.violation, limits),
      elapsedMs: performance.now() - t0,
      programSets,
    };
  };
  const chosen = s.programs?.[job.family];
  if (chosen !== undefined) return finish(chosen, exploreJudged(judge, chosen, strategy, { limits, ...(onProgress ? { onProgress } : {}) }), 1);
  if (job.strategyName !== "random") {
    const programs = typicalPrograms(job.family, s.interpreters, cyclesOf(job.strategyName));
    return finish(programs, exploreJudged(judge, programs, strategy, { limits, ...(onProgress ? { onProgress } : {}) }), 1);
  }
  const arb = programsArbitrary(job.family, s.interpreters, 4);
  let last: { programs: AnyCall[][]; result: AgreementResult } | null = null;
  let sets = 0;
  let executions = 0;
  const deadline = t0 + s.budgetMs;
  const left = (): number => Math.max(1, deadline - performance.now());
  const run = (programs: AnyCall[][]) => exploreJudged(judge, programs, strategy, { limits: { ...limits, timeLimitMs: left() } });
  const details = fc.check(
    fc.property(arb, (programs) => {
      sets++;
      const result = run(programs);
      executions += result.stats.executions;
      last = { programs, result };
      return result.verdict !== "violation";
    }),
    { seed: s.seed, numRuns: s.programSets, endOnFailure: false, interruptAfterTimeLimit: s.budgetMs },
  );
  if (details.failed && details.counterexample) {
    // Shrink the failing program set with a search that does not depend on luck: under random
    // schedules a smaller program changes which schedules are drawn, so fast-check cannot tell
    // "still fails" from "was unlucky". Every schedule with at most two preemptions is a complete,
    // deterministic judge of small programs: replay the same fast-check run (same seed, same draws)
    // under it, so fast-check meets the failing set with its generation context and shrinks it.
    const found = details.counterexample[0];
    const bounded = (programs: AnyCall[][]) =>
      exploreJudged(judge, programs, { kind: "bounded", maxPreemptions: boundedPreemptions }, { limits: { ...limits, timeLimitMs: left(), maxStates: 500_000 } });
    let programs = found;
    let result = run(found);
    const small = fc.check(
      fc.property(arb, (p) => bounded(p).verdict !== "violation"),
      { seed: s.seed, numRuns: details.numRuns, endOnFailure: false, interruptAfterTimeLimit: left() },
    );
    if (small.failed && small.counterexample) {
      // fast-check drops calls from the front of a program; finish by dropping any single call,
      // down to empty programs, while the failure persists: 1-minimal.
      let shrunkPrograms = small.counterexample[0] ?? found;
      for (let changed = true; changed; ) {
        changed = false;
        for (let i = 0; i < shrunkPrograms.length && !changed; i++) {
          const calls = shrunkPrograms[i] as AnyCall[];
          for (let c = 0; c < calls.length && !changed; c++) {
            const fewer = shrunkPrograms.map((cs, j) => (j === i ? cs.filter((_, k) => k !== c) : cs));
            if (bounded(fewer).verdict === "violation") {
              shrunkPrograms = fewer;
              changed = true;
            }
          }
        }
      }
      const confirmed = bounded(shrunkPrograms);
      if (confirmed.verdict === "violation") {
        programs = shrunkPrograms;
        // Report what the random strategy's job found, with its own coverage: the bounded search
        // only confirmed the smaller program set.
        result = { ...confirmed, coverage: { ...result.coverage, sentence: `random schedules found a violation in the program set fast-check drew; fast-check and a 1-minimal pass shrank the set, confirmed by every schedule with ≤ ${boundedPreemptions} preemptions.` } };
      }
    }
    return finish(programs, { ...result, stats: { ...result.stats, executions } }, sets);
  }
  const fallback = last as { programs: AnyCall[][]; result: AgreementResult } | null;
  if (fallback === null) {
    // The safety net stopped fast-check before its first program set finished: nothing was judged.
    const limit = { limit: "timeLimitMs" as const, value: s.budgetMs, message: `the wall-clock safety net of ${s.budgetMs} ms stopped the job before its first program set finished (raise it with --budget-ms)` };
    const result: AgreementResult = {
      verdict: "unknown",
      violation: null,
      limit,
      blockedByDesign: null,
      stats: { executions: 0, states: 0, transitions: 0, elapsedMs: performance.now() - t0 },
      coverage: { strategy: "random", guarantee: "none", symmetry: { applied: false, classes: [], reason: "nothing was explored" }, checkedExecutions: 0, sentence: `unknown: ${limit.message}.` },
    };
    return finish(typicalPrograms(job.family, s.interpreters, 1), result, 0);
  }
  // No violation in any set: report the whole run (every set's executions), shown on the last set.
  const complete = !details.interrupted && sets >= s.programSets;
  const limit = complete ? fallback.result.limit : { limit: "timeLimitMs" as const, value: s.budgetMs, message: `the wall-clock safety net of ${s.budgetMs} ms stopped fast-check after ${sets} of ${s.programSets} program sets (raise it with --budget-ms)` };
  const result: AgreementResult = {
    ...fallback.result,
    verdict: complete ? fallback.result.verdict : "unknown",
    limit,
    stats: { ...fallback.result.stats, executions },
    coverage: {
      ...fallback.result.coverage,
      sentence: `fast-check drew ${sets} program sets from the Schema vocabulary (seed ${s.seed}${complete ? "" : `; ${limit?.message}`}), each explored by ${fallback.result.coverage.sentence}`,
    },
  } as AgreementResult;
  return { ...finish(fallback.programs, result, sets) };
}

/**
 * A violation made as small as it honestly gets: its schedule shrunk to fewer preemptions and
 * steps, then every call the failing execution never started dropped from the programs — kept
 * only if the same property still fails on the same schedule.
 */
function smallest(judge: Judge, programs: Threaded<AnyCall[][]>, result: AgreementResult, limits: Partial<Limits>): { programs: Threaded<AnyCall[][]>; result: AgreementResult } {
  const v = result.violation;
  if (v === null) return { programs, result };
  const small = shrink(judge.subject, toPrograms(programs), v.token, { ...judge.hooks, limits });
  const violation = small.violation ?? v;
  // Per thread (D18): program i runs as thread threads[i]; a trimmed set keeps its threads.
  const threads = threadsOfSet(programs);
  const started = new Map<number, number>();
  for (const h of violation.execution.history) started.set(threadOf(h), Math.max(started.get(threadOf(h)) ?? 0, h.callIndex + 1));
  const cut = programs.map((calls, i) => calls.slice(0, started.get(threads[i] as number) ?? 0));
  const trimmed = programs.threads === undefined ? cut : withThreads(cut, programs.threads);
  if (trimmed.some((calls, i) => calls.length !== programs[i]?.length)) {
    const again = replay(judge.subject, toPrograms(trimmed), violation.token, { ...judge.hooks, limits });
    if (again.status === "replayed" && again.violation?.property === violation.property) {
      return { programs: trimmed, result: { ...result, violation: again.violation } as AgreementResult };
    }
  }
  return { programs, result: { ...result, violation } as AgreementResult };
}

