/**
 * The checker's vocabulary: what a sequential model is, what a history of operations is, and the
 * three verdicts a check can end in. Nothing here depends on interlock's API families; any pure
 * sequential specification can be checked (model/ adapts its FamilyModels to this interface).
 */

/**
 * A Model is a sequential specification the checker linearizes against. Only `init` and `step`
 * are required; every other member has a default.
 */
export interface Model<S, Call, Result> {
  /** The state before any operation. */
  init(): S;
  /**
   * The call made by `interp` applied in `state`: its result and the next state, or undefined when
   * the call is not enabled in `state` (it blocks there, e.g. acquiring a held lock). Must be pure
   * and deterministic, and must not mutate `state` (the checker backtracks to earlier states).
   */
  step(state: S, interp: number, call: Call): { state: S; result: Result } | undefined;
  /** Whether an observed result matches the model's. Default: structural equality. */
  equalResult?(a: Result, b: Result): boolean;
  /** Whether two states are the same for the memo. Default: structural equality. */
  equal?(a: S, b: S): boolean;
  /**
   * A key for the memo: equal states must get equal keys (unequal states may collide; `equal`
   * tells them apart). Default: a canonical JSON of the state, which is exact.
   */
  hash?(s: S): string | number;
  /**
   * P-compositionality: split a history into parts that touch disjoint parts of the state (e.g.
   * one part per key), so each is checked on its own. Every operation must land in exactly one
   * part. The history is linearizable iff every part is. Receives operations sorted by
   * (invoke, id), so the split is deterministic.
   */
  partition?(ops: readonly Operation<Call, Result>[]): Operation<Call, Result>[][];
  /** The call as a line the reader recognises, e.g. `PyThread_EnsureGlobalLock(odbc, "henv")`. */
  describeCall?(interp: number, call: Call): string;
  /** A result as the reader recognises it. */
  describeResult?(r: Result): string;
  /** A state as the reader recognises it. */
  describeState?(s: S): string;
}

/**
 * An Operation is one call in a history: who made it, what it was, when it was invoked and when
 * (if ever) it returned with what result.
 *
 * Intervals are closed: A precedes B iff `A.respond < B.invoke`. Equal timestamps mean the two
 * were concurrent, because timestamps taken on different threads at "the same" instant cannot
 * order the events they stamp.
 */
export interface Operation<Call, Result> {
  /** Unique within a history; orders otherwise-tied events, so it fixes the witness chosen. */
  id: number;
  /** The acting interpreter (or thread), passed to `Model.step`. */
  interp: number;
  call: Call;
  /** Logical timestamp of the invocation. */
  invoke: number;
  /**
   * Logical timestamp of the response. Absent = pending: invoked and never returned (a crashed or
   * stuck worker, or a run cut off by its budget). A pending operation may have taken effect at any
   * point after its invocation, or not at all; the checker tries both.
   */
  respond?: number;
  /** The observed result; present exactly when `respond` is. */
  result?: Result;
}

/**
 * A Verdict is how a check ends:
 * - `ok`: the history is linearizable; `linearization` is one witness order (per partition, the
 *   partitions concatenated). Pending operations that appear in it took effect; those absent did not.
 * - `violation`: partition `partition` is not linearizable. `prefix` is the longest linearizable
 *   prefix the search found, `stuck` the operations that could go next in real-time order after it
 *   and that the model rejects there, and `explanation` says why in the model's own words.
 * - `unknown`: a budget ran out before the search could decide.
 */
export type Verdict<Call, Result> =
  | { kind: "ok"; linearization: Operation<Call, Result>[] }
  | {
      kind: "violation";
      partition: number;
      prefix: Operation<Call, Result>[];
      stuck: Operation<Call, Result>[];
      explanation: string;
    }
  | { kind: "unknown"; reason: "time" | "memory"; detail: string };

/** Limits on one check. Running out of either ends the check with an `unknown` verdict. */
export interface Budget {
  /** Wall-clock time for the whole check, all partitions together. Default `defaultBudget.timeMs`. */
  timeMs?: number;
  /**
   * Most entries the memo of one partition may hold (each partition starts a fresh memo). Default
   * `defaultBudget.maxMemoEntries`; capped below 2^24, where a JS Map throws. An entry costs about
   * 250 bytes plus the length of the state's key. Independently of this budget, a search also
   * stops with `unknown` (memory) when the JS heap is nearly full (see check.ts).
   */
  maxMemoEntries?: number;
}

/** The budget a check gets when the caller names none. */
export const defaultBudget: Readonly<Required<Budget>> = { timeMs: 60_000, maxMemoEntries: 2_000_000 };

/** The largest memo a check will build, whatever the budget says: a JS Map throws at 2^24 keys. */
export const memoEntriesCap = 2 ** 24 - 2 ** 20;

/** What a search did, filled in when the caller passes a CheckStats object to `checkHistory`. */
export interface CheckStats {
  /** Partitions checked (including the one that ended the check). */
  partitions: number;
  /** Search nodes: attempts to place an operation in a state. */
  nodes: number;
  /** Placements pruned because the memo had already seen the resulting (set, state). */
  memoHits: number;
  /** Largest memo of any partition. */
  memoEntries: number;
  /** Backtracking steps. */
  backtracks: number;
}

/** Options of one check: a budget, plus switches used by tests and benchmarks. */
export interface CheckOptions extends Budget {
  /** Filled in with what the search did. */
  stats?: CheckStats;
  /** Use Lowe's memo (default true). Turning it off exists only to measure what it is worth. */
  memo?: boolean;
  /** Use the model's `partition` when it has one (default true). */
  partition?: boolean;
}

/** A fresh, zeroed CheckStats. */
export function emptyStats(): CheckStats {
  return { partitions: 0, nodes: 0, memoHits: 0, memoEntries: 0, backtracks: 0 };
}
