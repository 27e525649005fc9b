/**
 * A Session is one run of one strategy: the machine, the caller's hooks, the limits, the counters
 * and the progress clock. Strategies decide *which* thread moves; the session judges each state.
 */
import { threadOf, type Program, type Subject } from "../../impl/subject.js";
import { enabledThreads, type Choose } from "./chooser.js";
import { Machine, type HistoryKey } from "./machine.js";
import type { VisitedSet } from "./stateTable.js";
import { encodeToken } from "./token.js";
import type {
  Execution,
  ExploreOptions,
  FoundViolation,
  Hooks,
  LimitHit,
  Limits,
  Outcome,
  Progress,
  Stats,
  Violation,
  ViolationKind,
} from "./types.js";

/** Thrown inside a strategy when a limit is hit; the session turns it into an "unknown" verdict. */
export class LimitReached extends Error {
  constructor(readonly hit: LimitHit) {
    super(hit.message);
  }
}

export class Session<Call, Result> {
  readonly machine: Machine<Call, Result>;
  executions = 0;
  states = 0;
  transitions = 0;
  checkedExecutions = 0;
  /** The visited set of a stateful strategy, for its size and miss probability. */
  visited: VisitedSet | null = null;
  private readonly started = performance.now();
  private lastProgress = this.started;
  private nextClockCheck = 4096;

  constructor(
    subject: Subject<Call, Result>,
    readonly programs: readonly Program<Call>[],
    readonly hooks: Hooks<Call, Result>,
    readonly limits: Limits,
    symmetric: boolean,
    historyKey: HistoryKey<Call> | undefined,
    private readonly onProgress?: ExploreOptions<Call, Result>["onProgress"],
    private readonly progressIntervalMs = 250,
  ) {
    if (programs.length > limits.maxThreads) {
      throw new LimitReached({
        limit: "maxThreads",
        value: limits.maxThreads,
        message: `exceeded maxThreads (${limits.maxThreads}): ${programs.length} interpreters`,
      });
    }
    this.machine = new Machine(subject, programs, symmetric, historyKey, hooks.observer);
  }

  elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** Counts a transition; every few hundred, checks the clock and reports progress. */
  tick(): void {
    if (++this.transitions < this.nextClockCheck) return;
    // Often enough that a budget bounds time even when transitions are slow (long executions).
    this.nextClockCheck = this.transitions + 256;
    const now = performance.now();
    if (now - this.started > this.limits.timeLimitMs) {
      throw new LimitReached({
        limit: "timeLimitMs",
        value: this.limits.timeLimitMs,
        message: `exceeded timeLimitMs (${this.limits.timeLimitMs} ms) after ${this.executions} executions and ${this.states} states`,
      });
    }
    if (this.onProgress !== undefined && now - this.lastProgress >= this.progressIntervalMs) {
      this.lastProgress = now;
      this.onProgress(this.progress());
    }
  }

  progress(): Progress {
    const elapsedMs = this.elapsedMs();
    return {
      executions: this.executions,
      states: this.states,
      transitions: this.transitions,
      elapsedMs,
      stepsPerSecond: elapsedMs > 0 ? (this.transitions * 1000) / elapsedMs : 0,
    };
  }

  stats(): Stats {
    const base = { executions: this.executions, states: this.states, transitions: this.transitions, elapsedMs: this.elapsedMs() };
    return this.visited === null ? base : { ...base, storedBytes: this.visited.bytes() };
  }

  countExecution(): void {
    if (++this.executions > this.limits.maxExecutions) {
      throw new LimitReached({
        limit: "maxExecutions",
        value: this.limits.maxExecutions,
        message: `exceeded maxExecutions (${this.limits.maxExecutions})`,
      });
    }
  }

  /** A break of the Subject's sharing disciplines in the last step (see Subject.discipline), else the judge's rejection. */
  guard(): FoundViolation<Call, Result> | null {
    const race = this.machine.takeGuardViolation();
    if (race !== null) return this.found("monitor", { property: "P9", message: race }, "stopped");
    const judged = this.machine.takeJudgeViolation();
    return judged === null ? null : this.found("check", judged, "stopped");
  }

  /** The monitor's verdict on the current state. */
  monitor(): FoundViolation<Call, Result> | null {
    const race = this.guard();
    if (race !== null) return race;
    const v = this.hooks.monitor?.(this.machine.view);
    return v === undefined ? null : this.found("monitor", v, "stopped");
  }

  /**
   * Judges a state with no enabled thread: a deadlock if work is left, otherwise the end of an
   * execution, which the whole-history check judges.
   */
  terminal(): FoundViolation<Call, Result> | null {
    const m = this.machine;
    if (m.deadlocked()) {
      const lines: string[] = [];
      for (let t = 0; t < m.n; t++) lines.push(m.describeThread(t));
      const stuck = `deadlock: no interpreter can move.\n  ${lines.join("\n  ")}`;
      if (this.hooks.observer !== undefined) {
        const v = this.machine.judgeBlocked();
        if (v !== undefined) return this.found("deadlock", { property: v.property, message: `${v.message}\n${stuck}` }, "deadlock");
        if (this.hooks.check === undefined) {
          this.countExecution();
          return null;
        }
      }
      // With a whole-history check, the caller decides whether the programs themselves block here
      // (the model blocks too: allowed) or the implementation deadlocked where it must not.
      if (this.hooks.check !== undefined) {
        this.checkedExecutions++;
        const v = this.hooks.check(this.execution("deadlock"));
        if (v === undefined) {
          this.countExecution();
          return null;
        }
        return this.found("deadlock", { property: v.property, message: `${v.message}\n${stuck}` }, "deadlock");
      }
      return this.found("deadlock", { property: "P6", message: stuck }, "deadlock");
    }
    this.countExecution();
    if (this.hooks.check === undefined) return null;
    this.checkedExecutions++;
    const execution = this.execution("finished");
    const v = this.hooks.check(execution);
    return v === undefined ? null : { ...v, kind: "check", token: execution.token, execution };
  }

  /** The livelock verdict when an execution reaches maxSteps. */
  livelock(): FoundViolation<Call, Result> {
    const m = this.machine;
    const lines: string[] = [];
    for (let t = 0; t < m.n; t++) lines.push(m.describeThread(t));
    return this.found(
      "livelock",
      {
        property: "P6",
        message: `exceeded maxSteps (${this.limits.maxSteps}) in one execution: likely a livelock or spin loop.\n  ${lines.join("\n  ")}`,
      },
      "livelock",
    );
  }

  found(kind: ViolationKind, v: Violation, outcome: Outcome): FoundViolation<Call, Result> {
    const execution = this.execution(outcome);
    return { ...v, kind, token: execution.token, execution };
  }

  /** The current execution as data. */
  execution(outcome: Outcome): Execution<Call, Result> {
    const m = this.machine;
    return {
      outcome,
      history: m.history(),
      memory: m.mem.slice(),
      steps: m.steps,
      token: this.token(),
    };
  }

  token(): string {
    const m = this.machine;
    return encodeToken(
      m.scheduleSoFar().map((s) => ({ interp: threadOf(this.programs[s.thread] as Program<Call>), callIndex: s.callIndex, accessIndex: s.accessIndex })),
    );
  }

  /**
   * The one loop that runs an execution: from the initial state, `choose` picks among enabled
   * threads (given in index order, never empty) until the execution ends, judging every state.
   * Returns the first violation or null. Options: `judged: false` runs without any judgement (a
   * probe: no monitor, no check, no execution counted); `stepsWanted` stops after that many steps.
   */
  runOne(choose: Choose<Call, Result>, options: { readonly judged?: boolean; readonly stepsWanted?: number } = {}): FoundViolation<Call, Result> | null {
    const m = this.machine;
    const judged = options.judged ?? true;
    const stepsWanted = options.stepsWanted ?? Infinity;
    const enabled: number[] = [];
    let decision = 0;
    m.reset();
    let v = judged ? this.monitor() : null;
    if (v !== null) return v;
    for (;;) {
      enabledThreads(m, enabled);
      if (enabled.length === 0) return judged ? this.terminal() : null;
      if (m.steps >= this.limits.maxSteps) return judged ? this.livelock() : null;
      if (m.steps >= stepsWanted) return null;
      if (enabled.length > 1) decision++;
      m.step(choose(enabled, m, decision));
      if (judged) this.tick();
      v = judged ? this.monitor() : null;
      if (v !== null) return v;
    }
  }
}
