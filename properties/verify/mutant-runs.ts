/**
 * Running the mutant catalogue (impl/mutants/): every mutant explored under every strategy and
 * judged against the model (properties/judge/agreement.ts), with the first counterexample shrunk and its
 * replay token kept; the correct implementation is run on the same programs under the same
 * strategies, and any alarm it raises is a false alarm. Rows are plain JSON (a CLI prints them or
 * `renderMutantTable` does).
 *
 * Default budgets (`mutantStrategies`): exhaustive (symmetry auto); bounded up to 3 preemptions;
 * PCT depth 3 with 2,000 runs (k from the explorer's probe); random 2,000 runs. Every mutant
 * program has ≤ 2 interpreters and ≤ 5 calls, and every catalogue mutant shows with ≤ 2
 * preemptions — a depth-3 bug, which PCT finds with probability ≥ 1/(n·k²) per run; the tests hold
 * every mutant to being caught within that budget at the fixed seed (measured: ≤ 86 runs).
 */
import { type AnyCall, type FamilyName, type Result } from "../../model/index.js";
import { mutants as catalogue, type Mutant } from "../../impl/mutants/index.js";
import { mutantConfig } from "../../impl/mutants/mutant.js";
import { implementations } from "../../impl/index.js";
import type { Program, Subject } from "../../impl/subject.js";
import { toPrograms } from "../judge/agreement.js";
import { traceCounterexample, type Counterexample } from "../judge/counterexample.js";
import { agreementJudge, type Judge } from "../judge/judge.js";
import { explore, replay, shrink, type Coverage, type FoundViolation, type Hooks, type ReplayResult, type Strategy, type Verdict } from "../explorer/index.js";
import { Session } from "../explorer/session.js";
import { resolveLimits, type Limits } from "../explorer/types.js";

export type StrategyKind = Strategy["kind"];

/** The strategies and budgets a catalogue run uses by default (see the file comment). */
export const mutantStrategies: Readonly<Record<StrategyKind, (seed: number) => Strategy>> = {
  exhaustive: () => ({ kind: "exhaustive" }),
  bounded: () => ({ kind: "bounded", maxPreemptions: 3 }),
  pct: (seed) => ({ kind: "pct", depth: 3, runs: 2000, seed }),
  random: (seed) => ({ kind: "random", runs: 2000, seed }),
};

/** One strategy's run on one mutant. */
export interface StrategyOutcome {
  readonly strategy: StrategyKind;
  readonly caught: boolean;
  /** "ok" | "violation" | "unknown" (a limit was hit before anything was found). */
  readonly verdict: Verdict;
  /** What the run proved, in one sentence, and its kind of guarantee. */
  readonly coverage: string;
  readonly guarantee: Coverage["guarantee"];
  /** Distinct states stored (stateful strategies; 0 otherwise). */
  readonly states: number;
  /** Executions completed up to and including the first counterexample (or all, when none). */
  readonly executions: number;
  /** Wall time to the first counterexample (or of the whole run, when none), ms. */
  readonly ms: number;
  /** The property named by the first counterexample, and how it was found (check, deadlock, monitor, livelock). */
  readonly property: string | null;
  readonly kind: string | null;
  readonly message: string | null;
  /** The counterexample after `shrink`: its length in steps and preemptions, and its replay token. */
  readonly steps: number | null;
  readonly preemptions: number | null;
  readonly token: string | null;
  /** bounded only: the fewest preemptions with which the search found it. */
  readonly preemptionBound: number | null;
}

/** The correct implementation on the same programs and strategy. */
export interface CorrectOutcome {
  readonly strategy: StrategyKind;
  readonly verdict: Verdict;
  /** A violation found in the correct implementation: a false alarm of the verifier (or a real bug). */
  readonly falseAlarm: boolean;
  readonly property: string | null;
  readonly message: string | null;
}

export interface MutantRow {
  readonly id: string;
  readonly family: FamilyName;
  readonly property: string;
  readonly hazard: string;
  readonly expected: readonly string[];
  readonly results: readonly StrategyOutcome[];
  readonly correct: readonly CorrectOutcome[];
}

export interface RunMutantsOptions {
  readonly strategies?: readonly StrategyKind[];
  /** Seed of PCT and random. */
  readonly seed?: number;
  /** Wall-clock budget of each single strategy run (ms). */
  readonly budgetMs?: number;
  /** Only these mutant ids. */
  readonly only?: readonly string[];
  /** Skip the runs of the correct implementation. */
  readonly skipCorrect?: boolean;
}

const allStrategies: readonly StrategyKind[] = ["exhaustive", "bounded", "pct", "random"];

/** The judge a mutant (or the correct implementation on its programs) is held to: its family's agreement judge, in the mutant's configuration. */
export function mutantJudge(m: Mutant, subject?: Subject<AnyCall, Result>): Judge {
  const config = mutantConfig(m);
  return agreementJudge({ family: m.family, config, subject: subject ?? m.subject(config) });
}

/** The judges' hooks alone (online linearizability + whole-history check). */
export function mutantHooks(m: Mutant): Hooks<AnyCall, Result> {
  return mutantJudge(m).hooks;
}

/** Explores one subject on a mutant's programs with one strategy; the wall clock is only a safety net. */
export function exploreMutant(m: Mutant, subject: Subject<AnyCall, Result>, strategy: Strategy, budgetMs: number) {
  return explore(subject, toPrograms(m.programs), { strategy, ...mutantJudge(m, subject).hooks, limits: { timeLimitMs: budgetMs } });
}

/** The correct implementation of a mutant's family, in the mutant's configuration. */
export const correctSubject = (m: Mutant): Subject<AnyCall, Result> => implementations[m.family](mutantConfig(m));

export function runMutants(options: RunMutantsOptions = {}): MutantRow[] {
  const strategies = options.strategies ?? allStrategies;
  const seed = options.seed ?? 1;
  const budgetMs = options.budgetMs ?? 20_000;
  const chosen = options.only === undefined ? catalogue : catalogue.filter((m) => options.only?.includes(m.id));
  return chosen.map((m) => {
    const config = mutantConfig(m);
    const programs = toPrograms(m.programs);
    const check = mutantHooks(m);
    const results = strategies.map((kind): StrategyOutcome => {
      const r = exploreMutant(m, m.subject(config), mutantStrategies[kind](seed), budgetMs);
      const v = r.violation;
      const base = { strategy: kind, verdict: r.verdict, coverage: r.coverage.sentence, guarantee: r.coverage.guarantee, states: r.stats.states, executions: r.stats.executions, ms: r.stats.elapsedMs };
      if (v === null) {
        return { ...base, caught: false, property: null, kind: null, message: null, steps: null, preemptions: null, token: null, preemptionBound: null };
      }
      let s = shrink(m.subject(config), programs, v.token, check);
      // The greedy shrink can get stuck above the fewest preemptions; the stateless
      // preemption-bounded enumeration finds a schedule at the true minimum, which is then shrunk.
      // Likewise for steps: among every schedule with no more preemptions than the shrunk one (≤ 2,
      // so the enumeration stays small), the shortest match, if it beats the greedy result.
      const target = s.violation;
      const f = fewestPreemptions(m.subject(config), programs, check, (x) => x.kind === target.kind && x.property === target.property, Math.min(s.preemptions, 2), 50_000, true);
      if (f !== undefined && (f.preemptions < s.preemptions || (f.preemptions === s.preemptions && f.steps < s.steps))) {
        s = shrink(m.subject(config), programs, f.token, check);
      }
      return {
        ...base,
        caught: true,
        property: v.property,
        kind: v.kind,
        message: v.message,
        steps: s.steps,
        preemptions: s.preemptions,
        token: s.token,
        preemptionBound: kind === "bounded" ? (r.coverage.preemptionBound ?? -1) + 1 : null,
      };
    });
    const correct = options.skipCorrect
      ? []
      : strategies.map((kind): CorrectOutcome => {
          const r = exploreMutant(m, correctSubject(m), mutantStrategies[kind](seed), budgetMs);
          return { strategy: kind, verdict: r.verdict, falseAlarm: r.violation !== null, property: r.violation?.property ?? null, message: r.violation?.message ?? null };
        });
    return { id: m.id, family: m.family, property: m.property, hazard: m.hazard, expected: m.expected.properties, results, correct };
  });
}

// ---- honest lower bounds: the fewest preemptions, the fewest steps -----------------------------

/** Does a found violation match the target (same kind and property)? */
export type Matches = (v: FoundViolation<AnyCall, Result>) => boolean;

/**
 * The fewest preemptions any schedule needs to show a violation `matches` accepts, by a
 * *stateless* preemption-bounded enumeration (every schedule with ≤ k preemptions run to its end,
 * k = 0, 1, …, maxK): unlike the stateful bounded strategy it never merges two paths into one
 * state, so no history goes unjudged. A schedule is the default "keep running the last thread, else
 * the lowest enabled" with deviations; each schedule is enumerated once. Undefined: none up to maxK
 * (or `maxRuns` executions spent).
 */
export function fewestPreemptions(
  subject: Subject<AnyCall, Result>,
  programs: readonly Program<AnyCall>[],
  hooks: Hooks<AnyCall, Result>,
  matches: Matches,
  maxK = 3,
  maxRuns = 200_000,
  /** Instead of the first match at the lowest k, the match with the fewest (preemptions, steps) among every schedule with ≤ maxK preemptions. */
  best = false,
): { preemptions: number; runs: number; token: string; steps: number } | undefined {
  const session = new Session(subject, programs, hooks, resolveLimits(undefined), false, undefined);
  let runs = 0;
  let found: { preemptions: number; runs: number; token: string; steps: number } | undefined;
  for (let k = best ? maxK : 0; k <= maxK; k++) {
    const stack: { prefix: number[]; used: number }[] = [{ prefix: [], used: 0 }];
    while (stack.length > 0) {
      if (++runs > maxRuns) return found;
      const { prefix, used } = stack.pop() as { prefix: number[]; used: number };
      const taken: number[] = [];
      let last = -1;
      const v = session.runOne((enabled) => {
        const j = taken.length;
        const lastRuns = last >= 0 && enabled.includes(last);
        let t: number;
        if (j < prefix.length) t = prefix[j] as number;
        else {
          // Beyond the prefix: no preemption; each other enabled thread is a deviation to try later.
          t = lastRuns ? last : (enabled[0] as number);
          for (const a of enabled) {
            if (a === t) continue;
            const c = lastRuns ? 1 : 0;
            if (used + c <= k) stack.push({ prefix: [...taken, a], used: used + c });
          }
        }
        taken.push(t);
        last = t;
        return t;
      });
      if (v !== null && matches(v)) {
        const mine = { preemptions: best ? used : k, runs, token: v.token, steps: v.execution.steps };
        if (!best) return mine;
        if (found === undefined || mine.preemptions < found.preemptions || (mine.preemptions === found.preemptions && mine.steps < found.steps)) found = mine;
      }
    }
  }
  return found;
}

/**
 * The fewest steps of any execution that shows a violation `matches` accepts: a breadth-first
 * search over schedules, one level per step, under the explorer's own limits (maxSteps). States are
 * merged only when they agree on memory, every thread's position AND the history so far up to
 * renaming of step stamps (calls, results and the order of their invocations and responses — all
 * the linearizability check and the deadlock judgement look at), so the merge loses no verdict and
 * the first level with a matching violation is the true minimum. Undefined if `maxStates` is hit.
 */
export function fewestSteps(
  subject: Subject<AnyCall, Result>,
  programs: readonly Program<AnyCall>[],
  hooks: Hooks<AnyCall, Result>,
  matches: Matches,
  maxStates = 300_000,
  limits: Partial<Limits> = {},
): { steps: number; states: number } | undefined {
  const session = new Session(subject, programs, hooks, resolveLimits(limits), false, undefined);
  const m = session.machine;
  const snapshot = new Int32Array(m.snapshotWidth);
  const seen = new Set<string>();
  let frontier: number[][] = [[]];
  const enabledNow = (): number[] => {
    const out: number[] = [];
    for (let t = 0; t < m.n; t++) if (m.isEnabled(t)) out.push(t);
    return out;
  };
  const historySignature = (): string => {
    const h = m.history();
    const stamps = [...new Set(h.flatMap((r) => (r.response === null ? [r.invoke] : [r.invoke, r.response.step])))].sort((a, b) => a - b);
    const rank = new Map(stamps.map((s, i) => [s, i]));
    return h.map((r) => `${r.interp}.${r.callIndex}:${rank.get(r.invoke)}-${r.response === null ? "p" : `${rank.get(r.response.step)}=${JSON.stringify(r.response.result)}`}`).join(";");
  };
  while (frontier.length > 0) {
    const next: number[][] = [];
    for (const prefix of frontier) {
      m.reset();
      for (const t of prefix) m.step(t);
      m.save(snapshot, 0);
      for (const t of enabledNow()) {
        m.restore(snapshot, 0);
        m.step(t);
        let v = session.monitor();
        if (v === null && enabledNow().length === 0) v = session.terminal();
        else if (v === null && m.steps >= session.limits.maxSteps) v = session.livelock();
        if (v !== null) {
          if (matches(v)) return { steps: m.steps, states: seen.size };
          continue;
        }
        if (m.allFinished()) continue;
        const key = `${m.key().join(",")}|${historySignature()}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (seen.size > maxStates) return undefined;
        next.push([...prefix, t]);
      }
    }
    frontier = next;
  }
  return undefined;
}

// ---- rendering ---------------------------------------------------------------------------------

const cell = (o: StrategyOutcome | undefined): string => {
  if (o === undefined) return "";
  if (!o.caught) return `MISSED (${o.verdict}, ${o.executions} ex)`;
  return `${o.property} ${o.executions} ex ${o.ms.toFixed(0)} ms ${o.steps}st/${o.preemptions}p`;
};

/** A plain-text table: one line per mutant, one column per strategy, then false alarms of the correct implementation. */
export function renderMutantTable(rows: readonly MutantRow[]): string {
  const kinds = allStrategies.filter((k) => rows.some((r) => r.results.some((o) => o.strategy === k)));
  const header = ["mutant", "family", "breaks", ...kinds, "correct impl"];
  const body = rows.map((r) => [
    r.id,
    r.family,
    r.property,
    ...kinds.map((k) => cell(r.results.find((o) => o.strategy === k))),
    r.correct.length === 0 ? "not run" : r.correct.some((c) => c.falseAlarm) ? `FALSE ALARM (${r.correct.filter((c) => c.falseAlarm).map((c) => `${c.strategy}: ${c.property}`).join(", ")})` : "no alarm",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  const caught = rows.filter((r) => r.results.every((o) => o.caught)).length;
  const alarms = rows.filter((r) => r.correct.some((c) => c.falseAlarm)).length;
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...body.map(line),
    "",
    `${caught}/${rows.length} mutants caught by every strategy run; ${alarms} false alarm${alarms === 1 ? "" : "s"} on the correct implementation.`,
    "Cells: property found, executions and time to the first counterexample, shrunk length (steps / preemptions).",
  ].join("\n");
}

/**
 * A mutant's counterexample as a report needs it: the row's shrunk token replayed once under the
 * mutant's judge with every access traced. Null if the token no longer shows a violation.
 */
export function mutantCounterexample(m: Mutant, token: string): Counterexample | null {
  const judge = mutantJudge(m);
  const r = replay(judge.subject, toPrograms(m.programs), token, judge.hooks);
  return r.status === "replayed" && r.violation !== null ? traceCounterexample(judge, m.programs, r.violation) : null;
}

/** Replays a row's token on the mutant: the execution and the violation it shows (same check), or a mismatch. */
export function replayRow(m: Mutant, token: string): ReplayResult<AnyCall, Result> {
  return replay(m.subject(mutantConfig(m)), toPrograms(m.programs), token, mutantHooks(m));
}

export { catalogue as mutants };
