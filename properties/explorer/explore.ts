/**
 * `explore` runs one strategy over a subject and some programs, and says what it proved.
 */
import type { Program, Subject } from "../../impl/subject.js";
import { SymmetryBroken } from "./machine.js";
import { LimitReached, Session } from "./session.js";
import { bounded, exhaustive, pct, probeSteps, randomWalk } from "./strategies.js";
import {
  resolveLimits,
  type Coverage,
  type ExploreOptions,
  type ExploreResult,
  type FoundViolation,
  type LimitHit,
  type SymmetryReport,
} from "./types.js";

/** Defaults of the strategies' own parameters. */
export const strategyDefaults = {
  maxPreemptions: 2,
  pctDepth: 3,
  pctRuns: 1000,
  randomRuns: 1000,
  seed: 1,
} as const;

/** Explores the interleavings of `programs` (one per interpreter) running on `subject`. */
export function explore<Call, Result>(
  subject: Subject<Call, Result>,
  programs: readonly Program<Call>[],
  options: ExploreOptions<Call, Result>,
): ExploreResult<Call, Result> {
  const limits = resolveLimits(options.limits);
  const strategy = options.strategy;
  const keyed = options.historyKey !== undefined;
  const newSession = (symmetric: boolean): Session<Call, Result> =>
    new Session(subject, programs, options, limits, symmetric, options.historyKey, options.onProgress, options.progressIntervalMs);

  switch (strategy.kind) {
    case "exhaustive": {
      const wanted = (strategy.symmetry ?? "auto") === "auto";
      let symmetry: SymmetryReport = { applied: false, classes: [], reason: "symmetry off by request" };
      if (wanted) {
        let session: Session<Call, Result> | null = null;
        try {
          session = newSession(true);
          const classes = session.machine.classMembers.filter((c) => c.length > 1).map((c) => c.map((t) => (programs[t] as Program<Call>).interp));
          symmetry = classes.length === 0
            ? { applied: false, classes: [], reason: "no two interpreters run identical programs" }
            : {
                applied: true,
                classes,
                reason: "interpreters with identical programs, verified interchangeable on every thread-local transition taken",
              };
          return finish(session, symmetry, () => exhaustive(session as Session<Call, Result>), (s, found) =>
            exhaustiveCoverage(s, symmetry, found, keyed));
        } catch (e) {
          if (!(e instanceof SymmetryBroken)) throw e;
          symmetry = { applied: false, classes: [], reason: `symmetry not applied: ${e.message}` };
        }
      }
      const session = newSession(false);
      return finish(session, symmetry, () => exhaustive(session), (s, found) => exhaustiveCoverage(s, symmetry, found, keyed));
    }
    case "bounded": {
      const bound = strategy.maxPreemptions ?? strategyDefaults.maxPreemptions;
      const session = newSession(false);
      let reached = -1;
      return finish(
        session,
        noSymmetry,
        () => {
          for (let k = 0; k <= bound; k++) {
            const v = bounded(session, k);
            if (v !== null) return v;
            reached = k;
          }
          return null;
        },
        (s, found) => {
          const proved = found ? reached : bound;
          const sentence =
            found
              ? `preemption-bounded search: no violation with at most ${proved} preemptions (${proved < 0 ? "none completed" : "proved"}); the violation needs ${proved + 1}.`
              : `exhaustive up to ${proved} preemption${proved === 1 ? "" : "s"}: every schedule with at most ${proved} preemptions reaches only states the monitor accepted (${s.states} states at the last level); ` +
                (s.hooks.observer !== undefined
                  ? `the online history judge, part of every state, judged every such path; the whole-history check also judged ${s.checkedExecutions} completed executions.`
                  : `the whole-history check judged ${s.checkedExecutions} completed executions.`);
          return { ...base(s, "bounded", "exhaustive-up-to-preemptions", noSymmetry), preemptionBound: proved, sentence };
        },
      );
    }
    case "pct": {
      const depth = strategy.depth ?? strategyDefaults.pctDepth;
      const runs = strategy.runs ?? strategyDefaults.pctRuns;
      const seed = strategy.seed ?? strategyDefaults.seed;
      if (!(depth >= 1) || !(runs >= 1)) throw new RangeError(`pct needs depth ≥ 1 and runs ≥ 1, got depth ${depth}, runs ${runs}`);
      const session = newSession(false);
      const k = strategy.steps ?? probeSteps(session.machine, seed, limits.maxSteps);
      let longest = 0;
      let ran = 0;
      return finish(
        session,
        noSymmetry,
        () => {
          const r = pct(session, depth, runs, seed, k);
          longest = r.longest;
          ran = r.runs;
          return r.violation;
        },
        (s, found) => {
          const n = programs.length;
          // Runs started, the violating one included (executions count only runs that reached their end).
          const done = Math.max(ran, s.executions);
          const perRunBound = 1 / (n * Math.pow(k, depth - 1));
          const missProbability = Math.pow(1 - perRunBound, done);
          const overrun = longest > k ? ` Some runs took ${longest} steps, more than k; the bound covers bugs within the first ${k} steps.` : "";
          return {
            ...base(s, "pct", "probabilistic", noSymmetry),
            pct: { depth, threads: n, steps: k, runs: done, perRunBound, missProbability },
            sentence:
              `PCT depth ${depth}, ${n} threads, k = ${k} steps, seed ${seed}: each run finds a given depth-${depth} bug with probability ≥ ${fmt(perRunBound)}; ` +
              (found
                ? `run ${done} of ${runs} found a violation; the whole-history check judged ${s.checkedExecutions} executions.${overrun}`
                : `after ${done} runs P(miss) ≤ ${fmt(missProbability)}; the whole-history check judged ${s.checkedExecutions} executions.${overrun}`),
          };
        },
      );
    }
    case "random": {
      const runs = strategy.runs ?? strategyDefaults.randomRuns;
      const seed = strategy.seed ?? strategyDefaults.seed;
      const session = newSession(false);
      return finish(session, noSymmetry, () => randomWalk(session, runs, seed), (s) => ({
        ...base(s, "random", "none", noSymmetry),
        sentence: `random walk, ${s.executions} executions from seed ${seed}: no coverage guarantee; the whole-history check judged ${s.checkedExecutions} executions.`,
      }));
    }
  }
}

const noSymmetry: SymmetryReport = { applied: false, classes: [], reason: "this strategy does not reduce by symmetry" };

const fmt = (x: number): string => (x === 0 ? "0" : x >= 0.001 ? x.toPrecision(3) : x.toExponential(2));

function base<Call, Result>(
  s: Session<Call, Result>,
  strategy: Coverage["strategy"],
  guarantee: Coverage["guarantee"],
  symmetry: SymmetryReport,
): Omit<Coverage, "sentence"> {
  return { strategy, guarantee, symmetry, checkedExecutions: s.checkedExecutions };
}

function exhaustiveCoverage<Call, Result>(s: Session<Call, Result>, symmetry: SymmetryReport, found: boolean, keyed: boolean): Coverage {
  const modulo =
    (symmetry.applied
      ? `modulo symmetry over interps ${symmetry.classes.map((c) => `{${c.join(",")}}`).join(" ")}`
      : `without symmetry reduction (${symmetry.reason})`) + (keyed ? `, thread histories merged by the caller's historyKey` : "");
  const sentence = found
    ? `exhaustive search ${modulo} stopped at the first violation after ${s.states} states.`
    : `exhaustive for these programs (${modulo}): all ${s.states} reachable states judged by the monitor and checked for deadlock; ` +
      (s.hooks.observer !== undefined
        ? `the online history judge, part of every state, judged every path (merged ones included); the whole-history check also judged the ${s.checkedExecutions} executions the search completed.`
        : `the whole-history check judged the ${s.checkedExecutions} executions the search completed (paths that merged into a visited state were not run to the end).`);
  return { ...base(s, "exhaustive", "exhaustive", symmetry), sentence };
}

/** Runs a strategy body; turns a limit into an "unknown" verdict; builds the result. */
function finish<Call, Result>(
  session: Session<Call, Result>,
  symmetry: SymmetryReport,
  body: () => FoundViolation<Call, Result> | null,
  coverage: (s: Session<Call, Result>, found: boolean) => Coverage,
): ExploreResult<Call, Result> {
  let violation: FoundViolation<Call, Result> | null = null;
  let limit: LimitHit | null = null;
  try {
    violation = body();
  } catch (e) {
    if (!(e instanceof LimitReached)) throw e;
    limit = e.hit;
  }
  const cov = coverage(session, violation !== null);
  const stats = session.stats();
  const result: ExploreResult<Call, Result> =
    violation !== null
      ? { verdict: "violation", violation, limit, coverage: cov, stats }
      : limit !== null
        ? { verdict: "unknown", violation: null, limit, coverage: { ...cov, guarantee: "none", symmetry, sentence: `unknown: ${limit.message}. Before stopping: ${cov.sentence}` }, stats }
        : { verdict: "ok", violation: null, limit: null, coverage: cov, stats };
  return result;
}
