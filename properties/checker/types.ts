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
   * the call is not enabled in `state` (it blocks there, e.g. acquiring a held lock, or — for a
   * model that reads `observed` — the model cannot produce that result here). Must be pure and
   * deterministic, and must not mutate `state` (the checker backtracks to earlier states).
   *
   * `observed` is the result the history recorded for this operation, undefined when it is pending.
   * Most models ignore it; a model whose next state depends on the output (Porcupine's
   * `Step(state, input, output)`) uses it and returns `{ state, result: observed }` when it accepts
   * that output (see porcupine.ts, `fromPorcupine`). The checker still compares the returned
   * `result` with `observed` through `equalResult`.
   */
  step(state: S, interp: number, call: Call, observed?: Result): { state: S; result: Result } | undefined;
  /**
   * Whether the model's result matches the observed one: called as
   * `equalResult(modelResult, observedResult)`, the model's first. Default: structural equality.
   */
  equalResult?(modelResult: Result, observed: Result): boolean;
  /** Whether two states are the same for the memo. Default: structural equality. */
  equal?(a: S, b: S): boolean;
  /**
   * A key states are interned by: equal states must get equal keys (unequal states may collide;
   * `equal` tells them apart). Default: a canonical JSON of the state, which is exact. A cheap
   * hash (a number) makes a model faster, never slower: states are compared only when first seen.
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
 * - `unknown`: a budget ran out before the search could decide. `reason` names the budget that
 *   ran out first, `decided` the partitions shown linearizable, `undecided` the others (no
 *   partition was shown non-linearizable, or the verdict would be a violation), and `detail` says
 *   all of it in a sentence.
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
  | { kind: "unknown"; reason: UnknownReason; detail: string; decided: number[]; undecided: number[] };

/**
 * Which budget ended a check: `work` (search nodes, `maxNodes`), `memory` (memo entries,
 * `maxMemoEntries`, or the JS heap nearly full) or `time` (`timeMs`, the wall-clock safety net).
 */
export type UnknownReason = "work" | "memory" | "time";

/**
 * Limits on one check; all of them are shared by the partitions of the history.
 *
 * One budget model: partitions are searched round-robin, a slice of nodes each in turn, so the
 * cheapest refutation is found first whatever the order of the partitions. A partition that fills
 * the memo gives up alone (its memo is freed) and the others go on; running out of work or time
 * stops every partition still searching. Either way a violation found in any partition is
 * reported; otherwise the verdict is `unknown`, naming the partitions decided and undecided.
 *
 * `maxNodes` and `maxMemoEntries` count work, so the verdict is the same on every machine and in a
 * cold or warm process. `timeMs` is only a safety net (the default is far above what `maxNodes`
 * takes); a verdict that ends on it depends on the machine, and says so (`reason: "time"`).
 */
export interface Budget {
  /** Wall-clock safety net for the whole check, ms. Default `defaultBudget.timeMs`. */
  timeMs?: number;
  /**
   * Most memo entries and interned model states held at once, all partitions together (a
   * partition's memo and states are freed when it is decided or gives up); the state whose memo
   * entry finds the budget spent may be one more. Default `defaultBudget.maxMemoEntries`; capped at `memoEntriesCap`.
   * An entry costs 4 × (4 + w + p) bytes plus at most 16 bytes of hash table, where w is the
   * linearized-set window (about concurrency / 32 words) and p the pending operations / 32 words;
   * `CheckStats.memoBytes` reports the exact figure. Independently of this budget, a search also
   * stops with `unknown` (memory) when the JS heap is nearly full (see check.ts).
   */
  maxMemoEntries?: number;
}

/** The budget a check gets when the caller names none. */
export const defaultBudget: Readonly<Required<Budget> & { maxNodes: number }> = { timeMs: 300_000, maxNodes: 500_000_000, maxMemoEntries: 2_000_000 };

/** The largest memo a check will build, whatever the budget says. */
export const memoEntriesCap = 2 ** 24 - 2 ** 20;

/** What a search did, filled in when the caller passes a CheckStats object to `checkHistory`. */
export interface CheckStats {
  /** Partitions whose search started. */
  partitions: number;
  /** Search nodes: attempts to place an operation in a state. */
  nodes: number;
  /** Placements pruned because the memo had already seen the resulting (set, state). */
  memoHits: number;
  /** Largest memo of any partition. */
  memoEntries: number;
  /** Most bytes the memos (and their hash tables) held at once, all partitions together. */
  memoBytes: number;
  /** Distinct model states interned, all partitions together. */
  states: number;
  /** Backtracking steps. */
  backtracks: number;
}

/** Options of one check: a budget, plus switches used by tests and benchmarks. */
export interface CheckOptions extends Budget {
  /**
   * Most search nodes (attempts to place an operation in a state), all partitions together: the
   * work budget (see `Budget`). Default `defaultBudget.maxNodes`. (Kept out of `Budget` so that
   * `Required<Budget>` means what it meant before it existed.)
   */
  maxNodes?: number;
  /** Filled in with what the search did. */
  stats?: CheckStats;
  /** Use Lowe's memo (default true). Turning it off exists only to measure what it is worth. */
  memo?: boolean;
  /**
   * Analyse each partition's reachable states first (reach.ts, default true; only with the memo):
   * refutes operations no state allows, leaves out useless pending operations and tries
   * interchangeable ones in one order. Turning it off exists only to test and measure it.
   */
  analyse?: boolean;
  /**
   * Check only the partitions `shareOf(parts, of)` gives worker `index` (check.ts): how the CLI
   * spreads a history over worker threads. The others are not searched and count as decided; the
   * verdict speaks only for the share (an ok verdict's linearization holds only its partitions).
   */
  share?: { index: number; of: number };
  /** Use the model's `partition` when it has one (default true). */
  partition?: boolean;
}

/** A fresh, zeroed CheckStats. */
export function emptyStats(): CheckStats {
  return { partitions: 0, nodes: 0, memoHits: 0, memoEntries: 0, memoBytes: 0, states: 0, backtracks: 0 };
}
