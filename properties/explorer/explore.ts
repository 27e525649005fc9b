/**
 * `explore` runs one strategy over a subject and some programs, and says what it proved.
 */
import type { Program, Subject } from "../../impl/subject.js";
import { MutexTrustBroken } from "./engine/blockingAcquires.js";
import { QuietnessBroken, quietCounts } from "./engine/quietWords.js";
import { quietWords } from "./quietProbe.js";
import { SymmetryBroken, wordMask } from "./machine.js";
import type { VisitedSet } from "./stateTable.js";
import { LimitReached, Session } from "./session.js";
import { bounded } from "./strategies/bounded.js";
import { exhaustive } from "./strategies/exhaustive.js";
import { pct, probeDecisions } from "./strategies/pct.js";
import { randomWalk } from "./strategies/random.js";
import {
  resolveLimits,
  type Coverage,
  type ExploreOptions,
  type ExploreResult,
  type FoundViolation,
  type LimitHit,
  type Limits,
  type StorageOption,
  type Strategy,
  type SymmetryOption,
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

/** What every strategy's driver gets: the run's inputs and a way to open a session. */
interface Run<Call, Result> {
  readonly subject: Subject<Call, Result>;
  readonly programs: readonly Program<Call>[];
  readonly options: ExploreOptions<Call, Result>;
  readonly limits: Limits;
  readonly newSession: (symmetric: boolean) => Session<Call, Result>;
}

/** Explores the interleavings of `programs` (one per interpreter) running on `subject`. */
export function explore<Call, Result>(
  subject: Subject<Call, Result>,
  programs: readonly Program<Call>[],
  options: ExploreOptions<Call, Result>,
): ExploreResult<Call, Result> {
  const limits = resolveLimits(options.limits);
  const newSession = (symmetric: boolean): Session<Call, Result> =>
    new Session(subject, programs, options, limits, symmetric, options.historyKey, options.onProgress, options.progressIntervalMs);
  const run: Run<Call, Result> = { subject, programs, options, limits, newSession };
  const strategy = options.strategy;
  switch (strategy.kind) {
    case "exhaustive":
      return exploreExhaustive(run, {
        symmetry: strategy.symmetry ?? "auto",
        storage: strategy.storage ?? "exact",
        sleepSets: strategy.sleepSets ?? true,
        quietWords: (strategy.quietWords ?? true) && options.monitor === undefined,
        lockSections: strategy.lockSections ?? true,
        blockingAcquires: strategy.blockingAcquires ?? true,
      });
    case "bounded":
      return exploreBounded(run, strategy.maxPreemptions ?? strategyDefaults.maxPreemptions);
    case "pct":
      return explorePct(run, strategy);
    case "random":
      return exploreRandom(run, strategy.runs ?? strategyDefaults.randomRuns, strategy.seed ?? strategyDefaults.seed);
  }
}

/** The exhaustive strategy's reductions, resolved. */
interface ExhaustiveOptions {
  readonly symmetry: SymmetryOption;
  readonly storage: StorageOption;
  readonly sleepSets: boolean;
  /** Fold accesses to quiet words (engine/quietWords.ts); never with a monitor, which may look at positions. */
  readonly quietWords: boolean;
  /** Fold uncontended lock sections (machine.ts `foldSection`); only while quiet words are assumed. */
  readonly lockSections: boolean;
  /** Block lockers at a held trusted mutex (engine/blockingAcquires.ts); only while quiet words are assumed. */
  readonly blockingAcquires: boolean;
}

/**
 * What the reduced search assumes and checks: the quiet words, and the trusted mutexes whose
 * acquires block. A broken assumption is dropped and the search starts again without it.
 */
interface Assumptions {
  readonly quiet: Int8Array | null;
  /** Per word, 1 while a trusted mutex's acquires block; a word whose trust broke is 0 again. */
  readonly trusted: Uint8Array | null;
}

/**
 * Exhaustive search with quiet words: the candidates proposed by a random pre-pass, one dropped and
 * the search redone whenever an access breaks it. A violation is searched for again without the
 * reduction, so that its token replays step for step on the machine every other command builds.
 */
function exploreExhaustive<Call, Result>(run: Run<Call, Result>, o: ExhaustiveOptions): ExploreResult<Call, Result> {
  const quiet = o.quietWords ? quietWords(run.newSession(false)) : null;
  const trusted = quiet !== null && o.blockingAcquires ? wordMask(run.subject.words, run.subject.trustedMutexes) : null;
  const assumed: Assumptions = { quiet, trusted };
  for (;;) {
    try {
      const r = exhaustiveWith(run, o, assumed);
      if (quiet === null || r.verdict !== "violation") return r;
      // The rerun folds a call's leading accesses backwards (no lead-ins), so its histories have more
      // overlap: should it miss the violation, the reduced search's finding stands.
      const again = exhaustiveWith(run, o, { quiet: null, trusted: null });
      return again.verdict === "violation" ? again : r;
    } catch (e) {
      if (e instanceof MutexTrustBroken && trusted !== null) {
        trusted[e.addr] = 0;
        continue;
      }
      if (!(e instanceof QuietnessBroken) || quiet === null) throw e;
      quiet[e.addr] = (quiet[e.addr] as number) & ~e.flag;
    }
  }
}

/** Exhaustive search, with symmetry when asked for and verified; without it when it breaks. */
function exhaustiveWith<Call, Result>(run: Run<Call, Result>, o: ExhaustiveOptions, assumed: Assumptions): ExploreResult<Call, Result> {
  const { quiet, trusted } = assumed;
  const keyed = run.options.historyKey !== undefined;
  const search = (session: Session<Call, Result>) => () => {
    session.machine.assumeQuiet(quiet);
    session.machine.foldLockSections(o.lockSections && quiet !== null);
    // trusted is null without quiet words (exploreExhaustive), so acquires block only in the reduced search
    session.machine.blockAcquires(trusted !== null && trusted.includes(1) ? trusted : null);
    return exhaustive(session, o.storage, o.sleepSets);
  };
  const counts = quiet === null ? { stable: 0, masks: 0, unwaited: 0 } : quietCounts(quiet);
  const coverage = (symmetry: SymmetryReport) => (s: Session<Call, Result>, found: boolean) => exhaustiveCoverage(s, symmetry, found, keyed, o, counts, untrustedOf(run.subject, trusted));
  let symmetry: SymmetryReport = { applied: false, classes: [], reason: "symmetry off by request" };
  if (o.symmetry === "auto") {
    try {
      const session = run.newSession(true);
      symmetry = symmetryReport(session, run.programs);
      return finish(session, symmetry, search(session), coverage(symmetry));
    } catch (e) {
      if (!(e instanceof SymmetryBroken)) throw e;
      symmetry = { applied: false, classes: [], reason: `symmetry not applied: ${e.message}` };
    }
  }
  const session = run.newSession(false);
  return finish(session, symmetry, search(session), coverage(symmetry));
}

/** The declared trusted mutex words whose trust a search dropped (their mask entry is 0 again). */
function untrustedOf<Call, Result>(subject: Subject<Call, Result>, trusted: Uint8Array | null): number[] {
  return trusted === null ? [] : (subject.trustedMutexes ?? []).filter((a) => trusted[a] === 0);
}

/** The classes a symmetric session found, as a report. */
function symmetryReport<Call, Result>(session: Session<Call, Result>, programs: readonly Program<Call>[]): SymmetryReport {
  const classes = session.machine.classMembers.filter((c) => c.length > 1).map((c) => c.map((t) => (programs[t] as Program<Call>).interp));
  if (classes.length === 0) return { applied: false, classes: [], reason: "no two interpreters run identical programs" };
  return { applied: true, classes, reason: `interpreters with identical programs: ${session.machine.symmetryMethod()}` };
}

/** Iterative context bounding, k = 0 … bound. */
function exploreBounded<Call, Result>(run: Run<Call, Result>, bound: number): ExploreResult<Call, Result> {
  const session = run.newSession(false);
  let reached = -1;
  const body = (): FoundViolation<Call, Result> | null => {
    for (let k = 0; k <= bound; k++) {
      const v = bounded(session, k);
      if (v !== null) return v;
      reached = k;
    }
    return null;
  };
  return finish(session, noSymmetry, body, (s, found) => {
    const proved = found ? reached : bound;
    const sentence = found
      ? `preemption-bounded search: no violation with at most ${proved} preemptions (${proved < 0 ? "none completed" : "proved"}); the violation needs ${proved + 1}.`
      : `exhaustive up to ${proved} preemption${proved === 1 ? "" : "s"}: every schedule with at most ${proved} preemptions reaches only states the monitor accepted (${s.states} states at the last level); ` +
        (s.hooks.observer !== undefined
          ? `the online history judge, part of every state, judged every such path; the whole-history check also judged ${s.checkedExecutions} completed executions.`
          : `the whole-history check judged ${s.checkedExecutions} completed executions.`);
    return { ...base(s, "bounded", "exhaustive-up-to-preemptions", noSymmetry), preemptionBound: proved, sentence };
  });
}

/** PCT over decision points, k probed when not given. */
function explorePct<Call, Result>(run: Run<Call, Result>, strategy: Extract<Strategy, { kind: "pct" }>): ExploreResult<Call, Result> {
  const depth = strategy.depth ?? strategyDefaults.pctDepth;
  const runs = strategy.runs ?? strategyDefaults.pctRuns;
  const seed = strategy.seed ?? strategyDefaults.seed;
  if (!(depth >= 1) || !(runs >= 1)) throw new RangeError(`pct needs depth ≥ 1 and runs ≥ 1, got depth ${depth}, runs ${runs}`);
  const session = run.newSession(false);
  const k = strategy.steps ?? probeDecisions(session, seed);
  let longest = 0;
  let ran = 0;
  const body = (): FoundViolation<Call, Result> | null => {
    const r = pct(session, depth, runs, seed, k);
    longest = r.longest;
    ran = r.runs;
    return r.violation;
  };
  return finish(session, noSymmetry, body, (s, found) => {
    const n = run.programs.length;
    // Runs started, the violating one included (executions count only runs that reached their end).
    const done = Math.max(ran, s.executions);
    const perRunBound = 1 / (n * Math.pow(k, depth - 1));
    const missProbability = Math.pow(1 - perRunBound, done);
    const overrun = longest > k ? ` Some runs had ${longest} decision points, more than k; the bound covers bugs within the first ${k}.` : "";
    return {
      ...base(s, "pct", "probabilistic", noSymmetry),
      pct: { depth, threads: n, steps: k, runs: done, perRunBound, missProbability },
      sentence:
        `PCT depth ${depth}, ${n} threads, k = ${k} decision points (steps where more than one thread could move), seed ${seed}: each run finds a given depth-${depth} bug with probability ≥ ${fmt(perRunBound)}; ` +
        (found
          ? `run ${done} of ${runs} found a violation; the whole-history check judged ${s.checkedExecutions} executions.${overrun}`
          : `after ${done} runs P(miss) ≤ ${fmt(missProbability)}; the whole-history check judged ${s.checkedExecutions} executions.${overrun}`),
    };
  });
}

function exploreRandom<Call, Result>(run: Run<Call, Result>, runs: number, seed: number): ExploreResult<Call, Result> {
  const session = run.newSession(false);
  return finish(session, noSymmetry, () => randomWalk(session, runs, seed), (s) => ({
    ...base(s, "random", "none", noSymmetry),
    sentence: `random walk, ${s.executions} executions from seed ${seed}: no coverage guarantee; the whole-history check judged ${s.checkedExecutions} executions.`,
  }));
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

function exhaustiveCoverage<Call, Result>(
  s: Session<Call, Result>,
  symmetry: SymmetryReport,
  found: boolean,
  keyed: boolean,
  o: ExhaustiveOptions,
  quiet: { stable: number; masks: number; unwaited: number },
  untrusted: readonly number[],
): Coverage {
  const modulo =
    (symmetry.applied
      ? `modulo symmetry over interps ${symmetry.classes.map((c) => `{${c.join(",")}}`).join(" ")}`
      : `without symmetry reduction (${symmetry.reason})`) +
    (o.sleepSets ? ", sleep sets (transitions whose successors other orders reach are not taken; every state is still visited)" : "") +
    (quiet.stable + quiet.masks + quiet.unwaited > 0
      ? `, quiet words (loads of the ${quiet.stable} words no step writes, own-bit writes to the ${quiet.masks} self-bit masks no step reads whole and notifies of the ${quiet.unwaited} words no step waits on, every access checked, folded into the step before them; a call's first access is still a scheduling point)`
      : "") +
    sectionsClause(s) +
    blockingClause(s, untrusted) +
    (keyed ? `, thread histories merged by the caller's historyKey` : "");
  const sentence = found
    ? `exhaustive search ${modulo} stopped at the first violation after ${s.states} states.`
    : `exhaustive for these programs (${modulo}): all ${s.states} reachable states judged by the monitor and checked for deadlock; ` +
      (s.hooks.observer !== undefined
        ? `the online history judge, part of every state, judged every path (merged ones included); the whole-history check also judged the ${s.checkedExecutions} executions the search completed.`
        : `the whole-history check judged the ${s.checkedExecutions} executions the search completed (paths that merged into a visited state were not run to the end).`) +
      storageClause(s.visited, o.storage);
  return { ...base(s, "exhaustive", "exhaustive", symmetry), sentence };
}

/** The lock-sections clause of the coverage sentence: what was folded, and what that trusts. */
function sectionsClause<Call, Result>(s: Session<Call, Result>): string {
  const m = s.machine;
  if (!m.foldsLockSections) return "";
  const names = m.sectionLockNames();
  return (
    `, lock sections (${m.foldedSections} times an uncontended section of the section lock${names.length === 1 ? "" : "s"} ${names.join(", ")} ran as one step — ` +
    `the acquire, one visible access, the release, each with the invisible accesses after it, never two acquires in one step; ` +
    `Lipton's reduction, sound for a correct mutex: it trusts impl/pymutex.ts's PyMutex, whose contended paths properties/explorer/sections.test.ts searches exhaustively on their own)`
  );
}

/** The blocking-acquires clause of the coverage sentence: which mutexes' contended paths were replaced, and what that trusts. */
function blockingClause<Call, Result>(s: Session<Call, Result>, untrusted: readonly number[]): string {
  const names = s.machine.blockingMutexNames();
  const dropped = untrusted.length === 0 ? "" : `; ${s.machine.namesOf(untrusted).join(", ")} lost that trust to a release without a notify, and their contended paths were searched as they are`;
  if (names.length === 0) return dropped === "" ? "" : `, blocking acquires (none${dropped})`;
  return (
    `, blocking acquires (a locker waits at its winning compare-and-swap while the trusted mutex${names.length === 1 ? "" : "es"} ${names.join(", ")} ${names.length === 1 ? "is" : "are"} held, instead of the futex slow path; ` +
    `exact for a mutex with mutual exclusion and no lost wake-up, which it trusts of impl/pymutex.ts's PyMutex (searched on its own in properties/explorer/sections.test.ts), every release checked${dropped})`
  );
}

/** What the visited set's storage means for the guarantee. */
function storageClause(visited: VisitedSet | null, storage: StorageOption): string {
  if (visited === null || storage === "exact") return "";
  return ` Visited states stored by hash compaction (64-bit signatures, ${(visited.bytes() / Math.max(1, visited.size)).toFixed(0)} bytes a state): the probability that a state was missed is at most ${fmt(visited.missProbability())}.`;
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
