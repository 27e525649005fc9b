/**
 * The explorer's public vocabulary: hooks the caller supplies, limits, strategies, and what a run
 * reports. The engine itself knows nothing about any API family; everything family-specific comes
 * in through a `Subject` (impl/subject.ts) and these hooks.
 */
import type { Access } from "../../impl/memory.js";

/** A Violation is what a hook returns when a property fails: the property's id and a sentence. */
export interface Violation {
  /** The property id from properties.md ("P1" … "P9"), or any short id a test chooses. */
  readonly property: string;
  readonly message: string;
}

/**
 * A ThreadView is one thread's position as a monitor sees it. Views are live: they read the
 * engine's current state and are only meaningful during the hook call that received them.
 */
export interface ThreadView<Call> {
  /** The interpreter the thread runs in. */
  readonly interp: number;
  /** The thread's id (model `threadId`, D18): equal to `interp` for an interpreter's first thread. */
  readonly thread: number;
  /** Index of the call in progress (or `calls.length` once the program is done). */
  readonly callIndex: number;
  readonly call: Call | undefined;
  /** How many accesses of the current call have been performed. */
  readonly accessIndex: number;
  /** The access this interpreter performs next, or null once its program is done. */
  readonly access: Access | null;
  /** Blocked in `wait` until a `notify` on the same word. */
  readonly blocked: boolean;
  readonly finished: boolean;
}

/** A StateView is the global state after a step: shared memory plus every thread's position. */
export interface StateView<Call> {
  /** Shared memory. Read it; never write it. */
  readonly mem: Int32Array;
  readonly threads: readonly ThreadView<Call>[];
  /** How many steps the execution has taken so far. */
  readonly steps: number;
}

/**
 * A CallRecord is one API call in a history. `invoke` is the global step index of the call's first
 * shared access (a call that makes no access is stamped with the step that ended the previous
 * call of its interpreter, or 0); `response` is null while the call is pending. Intervals are
 * closed: equal stamps mean concurrent.
 */
export interface CallRecord<Call, Result> {
  /** The interpreter that made the call. */
  readonly interp: number;
  /**
   * The thread that made it (model `threadId`, D18); absent means the interpreter's first thread,
   * whose id is `interp` (histories written before threads existed). Judges step the model with it.
   */
  readonly thread?: number;
  readonly callIndex: number;
  readonly call: Call;
  readonly invoke: number;
  readonly response: { readonly step: number; readonly result: Result } | null;
}

/** How an execution ended: every program done, no thread able to move, or cut short. */
export type Outcome = "finished" | "deadlock" | "livelock" | "stopped";

/** An Execution is one complete (or cut-short) run: its history, final memory and replay token. */
export interface Execution<Call, Result> {
  readonly outcome: Outcome;
  readonly history: readonly CallRecord<Call, Result>[];
  readonly memory: Int32Array;
  readonly steps: number;
  /** The replay token of this execution's schedule (see token.ts). */
  readonly token: string;
}

/**
 * Hooks are the caller's checks. `monitor` runs after every step (and on the initial state) and
 * judges memory + thread positions; under the exhaustive strategy it runs on every reachable state
 * (modulo symmetry, so it must not tell apart interpreters with identical programs).
 * `check` runs on every execution that reaches its end and judges the whole history; it also
 * judges executions that end with every unfinished interpreter blocked (outcome "deadlock"):
 * returning undefined there says the programs block by design, a violation says they must not
 * (linearizability lives here); a stateful search runs it only on the executions it completes.
 */
export interface Hooks<Call, Result> {
  monitor?(state: StateView<Call>): Violation | undefined;
  check?(execution: Execution<Call, Result>): Violation | undefined;
  /**
   * An online judge of the history, part of the explored state: its state (an interned integer)
   * moves on every call's invocation and response, and is part of the visited-set key, so a
   * stateful search that merges two paths merges them only when the judge cannot tell their
   * histories apart. With it, whole-history properties (linearizability) hold on *every* path the
   * exhaustive strategy covers, not only on the executions it completes. Turns symmetry off.
   */
  observer?: Observer<Call, Result>;
}

/**
 * An Observer judges a history event by event. States are small integers the observer interns;
 * `invoke` and `respond` return the next state, or -1 when the history can no longer be accepted
 * (then `why` explains the last -1). Calls arrive resolved (carried references filled in).
 */
export interface Observer<Call, Result> {
  readonly initial: number;
  invoke(state: number, interp: number, call: Call): number;
  respond(state: number, interp: number, call: Call, result: Result): number;
  /** At a deadlock: undefined if the judge accepts that every pending call blocks here, else why not. */
  blocked(state: number): Violation | undefined;
  /** Why the last transition returned -1. */
  why(): Violation;
  /**
   * Whether two invocations (of different interpreters) lead to the same state in either order, and
   * likewise two responses: true for linearizability's judge, whose state is the set of ways the
   * calls so far may have taken effect (pending calls kept in interpreter order). Partial-order
   * reduction then lets such events commute; an invocation and a response never do.
   */
  readonly eventsCommute?: boolean;
  /**
   * With `eventsCommute`: the calls whose events commute with no other event (the observer's state
   * remembers their order against every other call), e.g. an agreement judge's marks for runtime
   * finalisation and re-initialisation.
   */
  ordered?(call: Call): boolean;
}

/** Every limit of a run, by name. Each message that hits one names it. */
export interface Limits {
  /** Most interpreters a run accepts (hard cap 31: ranks are packed in 5 bits). */
  readonly maxThreads: number;
  /** Most steps in one execution; hitting it reports a livelock. */
  readonly maxSteps: number;
  /** Most executions (random, pct: runs; exhaustive/bounded: completed executions). */
  readonly maxExecutions: number;
  /** Most distinct states a stateful search stores. */
  readonly maxStates: number;
  /** Wall-clock budget for the whole run. */
  readonly timeLimitMs: number;
}

export const defaultLimits: Limits = {
  maxThreads: 16,
  maxSteps: 10_000,
  maxExecutions: 100_000_000,
  maxStates: 20_000_000,
  timeLimitMs: 600_000,
};

/** Symmetry over interpreters with identical programs: "auto" applies it only when verified safe. */
export type SymmetryOption = "auto" | "off";

/**
 * How the exhaustive search stores visited states: "exact" keeps every state vector (no state is
 * ever missed); "hash-compact" keeps a 64-bit signature per state (16 bytes), and the coverage
 * sentence states the probability that a state was missed.
 */
export type StorageOption = "exact" | "hash-compact";

/** A Strategy says how to choose schedules. */
export type Strategy =
  | {
      readonly kind: "exhaustive";
      readonly symmetry?: SymmetryOption;
      readonly storage?: StorageOption;
      readonly sleepSets?: boolean;
      /** Accesses to quiet words (engine/quietWords.ts) are folded into the step before them (checked; default on, off with a monitor). */
      readonly quietWords?: boolean;
      /**
       * An uncontended section of a lock the Subject declares in `sectionLocks` runs as one step
       * (Lipton's reduction, README "Lock sections"; only with quiet words; default on).
       */
      readonly lockSections?: boolean;
      /**
       * A locker waits at its winning compare-and-swap while a mutex the Subject declares in
       * `trustedMutexes` is held, instead of the futex slow path (README "Blocking acquires"; only
       * with quiet words; default on).
       */
      readonly blockingAcquires?: boolean;
    }
  | { readonly kind: "bounded"; readonly maxPreemptions?: number }
  | {
      readonly kind: "pct";
      readonly depth?: number;
      readonly runs?: number;
      readonly seed?: number;
      /**
       * k, the number of decision points (steps where more than one thread could move) the change
       * points are drawn from; estimated by probing when absent.
       */
      readonly steps?: number;
    }
  | { readonly kind: "random"; readonly runs?: number; readonly seed?: number };

/** Progress, reported at most every `progressIntervalMs`. */
export interface Progress {
  readonly executions: number;
  readonly states: number;
  readonly transitions: number;
  readonly elapsedMs: number;
  /** Transitions (steps) per second so far. */
  readonly stepsPerSecond: number;
}

export interface ExploreOptions<Call, Result> extends Hooks<Call, Result> {
  readonly strategy: Strategy;
  /**
   * Optional: the part of a call's observed values (results of its accesses so far) that the
   * call's future depends on, as a string. Histories with equal keys share one thread state, which
   * can shrink a stateful search by orders of magnitude (values a finished lock acquisition saw
   * are dead, for instance). The caller vouches for it; the engine only checks that merged
   * histories agree on the next access. Absent: the whole history is the state (always sound).
   */
  readonly historyKey?: (call: Call, observed: readonly number[]) => string;
  readonly limits?: Partial<Limits>;
  readonly onProgress?: (progress: Progress) => void;
  readonly progressIntervalMs?: number;
}

/** How symmetry was handled, and why. */
export interface SymmetryReport {
  readonly applied: boolean;
  /** Groups of interpreters treated as interchangeable (only groups of two or more). */
  readonly classes: readonly (readonly number[])[];
  readonly reason: string;
}

/** What a run proved, as data and as one sentence. */
export interface Coverage {
  readonly strategy: Strategy["kind"];
  readonly guarantee: "exhaustive" | "exhaustive-up-to-preemptions" | "probabilistic" | "none";
  readonly symmetry: SymmetryReport;
  /** bounded: every schedule with at most this many preemptions was covered. */
  readonly preemptionBound?: number;
  /** pct: the parameters and the bounds they give. */
  readonly pct?: {
    readonly depth: number;
    readonly threads: number;
    /** k: decision points (steps where more than one thread could move) the change points are drawn from. */
    readonly steps: number;
    readonly runs: number;
    readonly perRunBound: number;
    readonly missProbability: number;
  };
  /** How many executions the whole-history `check` judged. */
  readonly checkedExecutions: number;
  readonly sentence: string;
}

export type ViolationKind = "monitor" | "check" | "deadlock" | "livelock";

/** A violation the search found, with the token that replays it. */
export interface FoundViolation<Call, Result> extends Violation {
  readonly kind: ViolationKind;
  readonly token: string;
  readonly execution: Execution<Call, Result>;
}

/** A limit the run hit before it could finish. */
export interface LimitHit {
  readonly limit: keyof Limits;
  readonly value: number;
  readonly message: string;
}

export interface Stats {
  readonly executions: number;
  /** Distinct states stored (stateful strategies; 0 otherwise). */
  readonly states: number;
  /** Steps taken, counting every re-execution. */
  readonly transitions: number;
  readonly elapsedMs: number;
  /** Bytes held by the visited set (stateful strategies), for memory per state. */
  readonly storedBytes?: number;
}

/**
 * A verdict is one of three named values, as in Porcupine and interlock's checker: "ok" (nothing
 * failed, to the coverage stated), "violation" (a property failed), "unknown" (a limit was hit
 * before the stated coverage was reached). Reports, the CLI and the comparison use these words.
 */
export type Verdict = "ok" | "violation" | "unknown";

interface ResultCommon {
  readonly coverage: Coverage;
  readonly stats: Stats;
}

/** What a run found: a union on `verdict`, so a violation is there exactly when the verdict says so. */
export type ExploreResult<Call, Result> =
  | (ResultCommon & { readonly verdict: "ok"; readonly violation: null; readonly limit: null })
  | (ResultCommon & { readonly verdict: "violation"; readonly violation: FoundViolation<Call, Result>; readonly limit: LimitHit | null })
  | (ResultCommon & { readonly verdict: "unknown"; readonly violation: null; readonly limit: LimitHit });

/** The environment variable that sets each limit, e.g. INTERLOCK_MAX_STEPS=50000. */
export const limitEnvironment: Readonly<Record<keyof Limits, string>> = {
  maxThreads: "INTERLOCK_MAX_THREADS",
  maxSteps: "INTERLOCK_MAX_STEPS",
  maxExecutions: "INTERLOCK_MAX_EXECUTIONS",
  maxStates: "INTERLOCK_MAX_STATES",
  timeLimitMs: "INTERLOCK_TIME_LIMIT_MS",
};

/**
 * The limits the environment sets (for a CLI to pass as `limits`); the engine itself never reads
 * the environment, so a library call means the same thing wherever it runs.
 */
export function limitsFromEnvironment(env: Readonly<Record<string, string | undefined>>): Partial<Limits> {
  const out: Partial<Record<keyof Limits, number>> = {};
  for (const [name, variable] of Object.entries(limitEnvironment) as [keyof Limits, string][]) {
    const text = env[variable];
    if (text === undefined || text === "") continue;
    const value = Number(text);
    if (!(value > 0)) throw new RangeError(`${variable} must be a positive number, got "${text}"`);
    out[name] = value;
  }
  return out;
}

/** Fills the defaults and rejects nonsense limits (misuse is an exception, not a verdict). */
export function resolveLimits(partial: Partial<Limits> | undefined): Limits {
  const limits: Limits = { ...defaultLimits, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!(value > 0)) throw new RangeError(`limit ${name} must be positive, got ${value}`);
  }
  if (limits.maxThreads > 31) throw new RangeError(`limit maxThreads cannot exceed 31, got ${limits.maxThreads}`);
  return limits;
}
