/**
 * Replay and shrinking of schedule tokens.
 */
import { threadOf, type Program, type Subject } from "../../impl/subject.js";
import { describeThread } from "../../model/thread.js";
import type { TraceRow } from "./machine.js";
import { Session } from "./session.js";
import { decodeToken, type TokenRun } from "./token.js";
import { resolveLimits, type Execution, type FoundViolation, type Hooks, type Limits } from "./types.js";

export type ReplayResult<Call, Result> =
  | {
      readonly status: "replayed";
      readonly execution: Execution<Call, Result>;
      /** The violation this execution shows (the same hooks judge it as during the search), or null. */
      readonly violation: FoundViolation<Call, Result> | null;
      /** Every access performed, in order (only when `trace` was asked for). */
      readonly trace: readonly TraceRow[] | null;
    }
  | {
      readonly status: "mismatch";
      /** Index of the first step (0-based) that no longer matches. */
      readonly step: number;
      readonly message: string;
    };

export interface ReplayOptions<Call, Result> extends Hooks<Call, Result> {
  readonly limits?: Partial<Limits>;
  /** As in ExploreOptions; only affects memory use here. */
  readonly historyKey?: (call: Call, observed: readonly number[]) => string;
  /** Record every access performed (for reports). */
  readonly trace?: boolean;
}

/** Stops a replay at the first step the programs no longer match. */
class Mismatch extends Error {
  constructor(
    readonly step: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Replays a token exactly: every step must find its interpreter enabled and at the (call, access)
 * position the token names, else the result says which step no longer matches.
 * The execution is judged by the same hooks; it stops where the token stops.
 */
export function replay<Call, Result>(
  subject: Subject<Call, Result>,
  programs: readonly Program<Call>[],
  token: string,
  options: ReplayOptions<Call, Result> = {},
): ReplayResult<Call, Result> {
  const runs = decodeToken(token);
  const total = runs.reduce((sum, r) => sum + r.count, 0);
  const session = new Session(subject, programs, options, resolveLimits(options.limits), false, options.historyKey);
  const m = session.machine;
  if (options.trace === true) m.traceRows = [];
  const threadAt = new Map(programs.map((p, t) => [threadOf(p), t]));
  let run = 0;
  let used = 0;
  const choose = (_enabled: readonly number[]): number => {
    const step = m.steps;
    const r = runs[run] as TokenRun; // runOne stops after the token's last step
    const where = `step ${step} (run ${run + 1} of the token: ${describeThread(r.interp)} at call ${r.callIndex}, access ${r.accessIndex}, ${r.count} steps)`;
    const t = threadAt.get(r.interp);
    if (t === undefined) throw new Mismatch(step, `${where}: there is no ${describeThread(r.interp)} in these programs`);
    if (!m.isEnabled(t)) throw new Mismatch(step, `${where}: ${describeThread(r.interp)} cannot move here (${m.describeThread(t)})`);
    // A run is checked at every step: (call, access) of the run's start plus the steps taken. When
    // the Subject declares sharing disciplines a step may fold several accesses (the invisible
    // ones), so then only the run's first step is checked exactly and later ones must stay in a call
    // at or after the run's.
    const p = m.position(t);
    const starts = used === 0;
    const strict = !m.foldsAccesses;
    const expected = strict ? r.accessIndex + used : r.accessIndex;
    if (((starts || strict) && (p.callIndex !== r.callIndex || p.accessIndex !== expected)) || (!starts && p.callIndex < r.callIndex)) {
      throw new Mismatch(
        step,
        `${where}: expected ${describeThread(r.interp)} at call ${r.callIndex}, access ${expected}, but ${m.describeThread(t)} — the programs changed since the token was made`,
      );
    }
    if (++used === r.count) {
      run++;
      used = 0;
    }
    return t;
  };
  let violation: FoundViolation<Call, Result> | null;
  try {
    violation = session.runOne(choose, { stepsWanted: total });
  } catch (e) {
    if (e instanceof Mismatch) return { status: "mismatch", step: e.step, message: e.message };
    throw e;
  }
  if (violation !== null) {
    if (m.steps < total) {
      return { status: "mismatch", step: m.steps, message: `the execution ended at step ${m.steps} (${violation.kind}), but the token has ${total} steps` };
    }
    return { status: "replayed", execution: violation.execution, violation, trace: m.traceRows };
  }
  const outcome = m.allFinished() ? "finished" : m.deadlocked() ? "deadlock" : "stopped";
  return { status: "replayed", execution: session.execution(outcome), violation: null, trace: m.traceRows };
}

/** The result of shrinking: the smallest failing schedule found and what it cost to find. */
export interface Shrunk<Call, Result> {
  readonly token: string;
  readonly violation: FoundViolation<Call, Result>;
  readonly steps: number;
  readonly preemptions: number;
  /** Executions tried while shrinking. */
  readonly attempts: number;
}

export interface ShrinkOptions<Call, Result> extends ReplayOptions<Call, Result> {
  /** Most candidate executions to try (default 2000). */
  readonly maxAttempts?: number;
}

interface Attempt<Call, Result> {
  readonly violation: FoundViolation<Call, Result> | null;
  readonly preemptions: number;
  readonly steps: number;
  readonly runs: readonly { interp: number; count: number }[];
}

/**
 * Shrinks a failing token: fewer preemptions first, then fewer steps, while the same kind of
 * failure (kind and property) persists. A candidate is a list of (interp, count) runs followed
 * leniently — a run whose interp cannot move is skipped — and, once the runs are used up, the
 * execution continues without preemption (the last thread keeps running while it can). Greedy:
 * drop a run, halve a run, shorten a run by one; keep the first candidate that still fails and is
 * smaller; repeat until none is.
 */
export function shrink<Call, Result>(
  subject: Subject<Call, Result>,
  programs: readonly Program<Call>[],
  token: string,
  options: ShrinkOptions<Call, Result> = {},
): Shrunk<Call, Result> {
  const limits = resolveLimits(options.limits);
  const maxAttempts = options.maxAttempts ?? 2000;
  const session = new Session(subject, programs, options, limits, false, options.historyKey);
  const m = session.machine;
  const threadAt = new Map(programs.map((p, t) => [threadOf(p), t]));
  let attempts = 0;

  const attempt = (runs: readonly { interp: number; count: number }[]): Attempt<Call, Result> => {
    attempts++;
    let run = 0;
    let used = 0;
    let last = -1;
    let preemptions = 0;
    const choose = (enabled: readonly number[]): number => {
      let t = -1;
      while (run < runs.length) {
        const r = runs[run] as { interp: number; count: number };
        const cand = threadAt.get(r.interp);
        if (cand !== undefined && used < r.count && enabled.includes(cand)) {
          used++;
          t = cand;
          break;
        }
        run++;
        used = 0;
      }
      if (t < 0) t = last >= 0 && enabled.includes(last) ? last : (enabled[0] as number);
      if (last >= 0 && t !== last && enabled.includes(last)) preemptions++;
      last = t;
      return t;
    };
    const violation = session.runOne(choose);
    const out: { interp: number; count: number }[] = [];
    for (let s = 0; s < m.steps; s++) {
      const interp = threadOf(programs[m.threadAt(s)] as Program<Call>);
      const tail = out[out.length - 1];
      if (tail !== undefined && tail.interp === interp) tail.count++;
      else out.push({ interp, count: 1 });
    }
    return { violation, preemptions, steps: m.steps, runs: out };
  };

  const initial = replay(subject, programs, token, options);
  if (initial.status === "mismatch") throw new Error(`cannot shrink: the token does not replay: ${initial.message}`);
  if (initial.violation === null) throw new Error("cannot shrink: the token's execution shows no violation");
  const target = initial.violation;
  const same = (a: Attempt<Call, Result>): boolean => a.violation !== null && a.violation.kind === target.kind && a.violation.property === target.property;
  const smaller = (a: Attempt<Call, Result>, b: Attempt<Call, Result>): boolean =>
    a.preemptions < b.preemptions || (a.preemptions === b.preemptions && a.steps < b.steps);

  let best = attempt(decodeToken(token).map((r) => ({ interp: r.interp, count: r.count })));
  if (!same(best)) throw new Error("internal: the token's schedule, followed leniently, lost its violation");
  let improved = true;
  while (improved && attempts < maxAttempts) {
    improved = false;
    for (const cand of candidates(best.runs)) {
      if (attempts >= maxAttempts) break;
      const a = attempt(cand);
      if (same(a) && smaller(a, best)) {
        best = a;
        improved = true;
        break;
      }
    }
  }
  const violation = best.violation as FoundViolation<Call, Result>;
  return { token: violation.token, violation, steps: best.steps, preemptions: best.preemptions, attempts };
}

function* candidates(runs: readonly { interp: number; count: number }[]): Generator<{ interp: number; count: number }[]> {
  for (let i = runs.length - 1; i >= 0; i--) yield runs.filter((_, j) => j !== i);
  for (let i = 0; i < runs.length; i++) {
    const r = runs[i] as { interp: number; count: number };
    if (r.count > 1) yield runs.map((x, j) => (j === i ? { interp: x.interp, count: Math.floor(x.count / 2) } : x));
    if (r.count > 2) yield runs.map((x, j) => (j === i ? { interp: x.interp, count: x.count - 1 } : x));
  }
}
