import fc from "fast-check";
import { defaultConfig, familyNames, type AnyCall, type FamilyName, type ModelConfig, type Result } from "../model/index.js";
import { implementations } from "../impl/index.js";
import type { Subject } from "../impl/subject.js";
import { checkAgreement, toPrograms } from "./agreement.js";
import { shrink, type ExploreResult, type Limits, type Progress, type Strategy } from "./explorer/index.js";
import { agreementHooks } from "./agreement.js";
import { typicalPrograms } from "./programs.js";
import { programsArbitrary } from "./workload.js";

/**
 * The verification job: for each family, the implementation explored under each strategy and
 * judged against the model. A job is one (family, strategy, workload); the list of jobs is fixed
 * and ordered, so `--shard i/n` takes every n-th job deterministically and shards 1..n together
 * do exactly the unsharded work.
 */
export const strategyNames = ["exhaustive", "bounded", "pct", "random"] as const;
export type StrategyName = (typeof strategyNames)[number];

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
  /** Wall-clock budget of one job (ms). */
  readonly budgetMs: number;
  /** PCT and random: runs per program set. */
  readonly runs: number;
  /** fast-check program sets explored by the random strategy. */
  readonly programSets: number;
  readonly config: ModelConfig;
}

export const defaultVerifySettings: VerifySettings = {
  families: familyNames,
  strategies: strategyNames,
  interpreters: 3,
  seed: 1,
  budgetMs: 60_000,
  runs: 1000,
  programSets: 25,
  config: defaultConfig,
};

/** Every job of a run, in a fixed order. */
export function planJobs(s: Pick<VerifySettings, "families" | "strategies" | "interpreters">): Job[] {
  const jobs: Job[] = [];
  for (const family of s.families) {
    for (const strategyName of s.strategies) {
      const workload =
        strategyName === "random"
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
      return { kind: "bounded", maxPreemptions: 2 };
    case "pct":
      return { kind: "pct", depth: 3, runs: s.runs, seed: s.seed };
    case "random":
      return { kind: "random", runs: Math.max(1, Math.floor(s.runs / 20)), seed: s.seed };
  }
}

export interface JobResult {
  readonly job: Job;
  readonly strategy: Strategy;
  /** The programs of the execution reported (for the random strategy: the shrunk failing set, or the last set). */
  readonly programs: AnyCall[][];
  readonly result: ExploreResult<AnyCall, Result>;
  readonly elapsedMs: number;
  /** Program sets explored (1 except for the random strategy). */
  readonly programSets: number;
}

export type SubjectFactory = (config: ModelConfig) => Subject<AnyCall, Result>;

/**
 * Runs one job. The random strategy is property-based: fast-check draws per-interpreter programs
 * from the Schema vocabulary, each set is explored with random schedules, and a failing set is
 * shrunk by fast-check (fewer, simpler calls) and its schedule by `shrink` (fewer preemptions).
 */
export function runJob(job: Job, s: VerifySettings, factory: SubjectFactory = implementations[job.family], onProgress?: (p: Progress) => void): JobResult {
  const config: ModelConfig = { ...s.config, interpreters: Math.max(s.config.interpreters, s.interpreters) };
  const strategy = strategyOf(job.strategyName, s);
  const limits: Partial<Limits> = { timeLimitMs: s.budgetMs };
  const t0 = performance.now();
  const subject = factory(config);
  if (job.strategyName !== "random") {
    const programs = typicalPrograms(job.family, s.interpreters, cyclesOf(job.strategyName));
    const result = checkAgreement({ family: job.family, subject, programs, strategy, config, limits, ...(onProgress ? { onProgress } : {}) });
    return { job, strategy, programs, result: shrunk(job, subject, programs, result, config), elapsedMs: performance.now() - t0, programSets: 1 };
  }
  const arb = programsArbitrary(job.family, s.interpreters, 4);
  let last: { programs: AnyCall[][]; result: ExploreResult<AnyCall, Result> } | null = null;
  let sets = 0;
  let executions = 0;
  const deadline = t0 + s.budgetMs;
  const run = (programs: AnyCall[][]) =>
    checkAgreement({ family: job.family, subject, programs, strategy, config, limits: { ...limits, timeLimitMs: Math.max(1, deadline - performance.now()) } });
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
      checkAgreement({ family: job.family, subject, programs, strategy: { kind: "bounded", maxPreemptions: 2 }, config, limits: { timeLimitMs: Math.max(1, deadline - performance.now()), maxStates: 500_000 } });
    let programs = found;
    let result = run(found);
    const small = fc.check(
      fc.property(arb, (p) => bounded(p).verdict !== "violation"),
      { seed: s.seed, numRuns: details.numRuns, endOnFailure: false, interruptAfterTimeLimit: Math.max(1, deadline - performance.now()) },
    );
    if (small.failed && small.counterexample) {
      // fast-check drops calls from the front of a program; finish by dropping any single call
      // (each interpreter keeps one, the workload's shape) while the failure persists: 1-minimal.
      let shrunkPrograms = small.counterexample[0] ?? found;
      for (let changed = true; changed; ) {
        changed = false;
        for (let i = 0; i < shrunkPrograms.length && !changed; i++) {
          const calls = shrunkPrograms[i] as AnyCall[];
          for (let c = 0; c < calls.length && calls.length > 1 && !changed; c++) {
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
        result = confirmed;
      }
    }
    return { job, strategy, programs, result: shrunk(job, subject, programs, result, config), elapsedMs: performance.now() - t0, programSets: sets };
  }
  const fallback = last as { programs: AnyCall[][]; result: ExploreResult<AnyCall, Result> } | null;
  if (fallback === null) throw new Error(`no program set was explored for ${job.id}`);
  // No violation in any set: report the whole run (every set's executions), shown on the last set.
  const complete = !details.interrupted && sets >= s.programSets;
  const result: ExploreResult<AnyCall, Result> = {
    ...fallback.result,
    verdict: complete ? fallback.result.verdict : "incomplete",
    stats: { ...fallback.result.stats, executions },
    coverage: {
      ...fallback.result.coverage,
      sentence: `fast-check drew ${sets} program sets from the Schema vocabulary (seed ${s.seed}${complete ? "" : `; the ${s.budgetMs} ms budget stopped it before ${s.programSets}`}), each explored by ${fallback.result.coverage.sentence}`,
    },
  };
  return { job, strategy, programs: fallback.programs, result, elapsedMs: performance.now() - t0, programSets: sets };
}

/** A violation's schedule shrunk to fewer preemptions and steps (the same violation, replayable). */
function shrunk(
  job: Job,
  subject: Subject<AnyCall, Result>,
  programs: readonly (readonly AnyCall[])[],
  result: ExploreResult<AnyCall, Result>,
  config: ModelConfig,
): ExploreResult<AnyCall, Result> {
  const v = result.violation;
  if (v === null) return result;
  const small = shrink(subject, toPrograms(programs), v.token, agreementHooks(job.family, config, undefined, subject.decode?.bind(subject)));
  if (small.violation === null) return result;
  return { ...result, violation: small.violation };
}
