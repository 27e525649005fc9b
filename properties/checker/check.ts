import { getHeapStatistics } from "node:v8";
import { independentGroups, mergeOrders, verified } from "./compose.js";
import { explainStuck } from "./explain.js";
import { Memo, StateTable } from "./memo.js";
import { planSearch } from "./reach.js";
import {
  defaultBudget,
  emptyStats,
  memoEntriesCap,
  type CheckOptions,
  type CheckStats,
  type Model,
  type Operation,
  type UnknownReason,
  type Verdict,
} from "./types.js";
import { byInvokeThenId, normalizeModel, validateHistory, type NormalModel } from "./normalize.js";

/**
 * Checks whether a history is linearizable with respect to a sequential model.
 *
 * The search is Wing & Gong's backtracking over a doubly-linked list of call and return events,
 * with Lowe's memo of (set of linearized operations, model state) so no configuration is explored
 * twice, and P-compositionality: when the model can `partition` the history, each part is checked
 * on its own. The parts are searched round-robin, `sliceNodes` nodes each in turn, so a cheaply
 * refutable part is refuted after at most (live parts) × its own work, whatever its position, and
 * the first part shown to have no linearization ends the check. Budgets are shared by all parts
 * (see `Budget`). Pending operations (no response) may take effect anywhere after their invocation,
 * with any result the model gives, or not at all. A history the model does not partition whose
 * search runs long is split by inferred independence to find a witness, checked against the whole
 * model before it is believed (compose.ts). The same history (the same operations, in any array
 * order) always gives the same verdict and the same witness.
 *
 * Malformed input (duplicate ids, a response before its invocation, a partition that loses or
 * duplicates operations) is a programming error and throws; running out of budget is not, and
 * ends in an `unknown` verdict.
 */
export function checkHistory<S, Call, Result>(
  model: Model<S, Call, Result>,
  ops: readonly Operation<Call, Result>[],
  options: CheckOptions = {},
): Verdict<Call, Result> {
  return checkHistoryComposing(model, ops, options, "verified");
}

/**
 * Whether an unpartitioned history that the search finds hard is split by inferred independence
 * (compose.ts) to find a witness: "verified" (what `checkHistory` does: the merged witness is
 * replayed against the whole model before it is believed), "off", or "trusted-unsound" — a
 * deliberately broken variant for the tests: independence judged on states alone (results
 * ignored) and the merged witness believed without the replay. A get and a put of one key leave
 * the same state in either order, so it splits what interacts and calls a violation linearizable.
 */
export type Composing = "verified" | "off" | "trusted-unsound";

/**
 * Search nodes an unpartitioned history's search spends before a split is inferred: small histories
 * are decided by the search alone (and keep its witness), hard ones try the split once.
 */
export const composeAfterNodes = 100_000;

/** `checkHistory`, with the inferred split chosen, tried after `afterNodes` nodes (tests and benchmarks). */
export function checkHistoryComposing<S, Call, Result>(
  model: Model<S, Call, Result>,
  ops: readonly Operation<Call, Result>[],
  options: CheckOptions,
  composing: Composing,
  afterNodes = composeAfterNodes,
): Verdict<Call, Result> {
  const normal = normalizeModel(model);
  validateHistory(ops);
  const stats = options.stats ?? emptyStats();
  const timeMs = options.timeMs ?? defaultBudget.timeMs;
  const shared: SharedBudget = {
    nodesLeft: options.maxNodes ?? defaultBudget.maxNodes,
    memoEntries: 0,
    memoBytes: 0,
    maxMemoEntries: Math.min(options.maxMemoEntries ?? defaultBudget.maxMemoEntries, memoEntriesCap),
  };
  const deadline = performance.now() + timeMs;
  const parts = partitionsOf(model, ops, options);
  const mine = options.share === undefined ? undefined : shareOf(parts, options.share.of);

  const orders: (Operation<Call, Result>[] | undefined)[] = parts.map(() => undefined);
  const gaveUp: number[] = []; // partitions that filled the memo
  const progress: Progress[] = parts.map((part) => ({ placed: 0, returned: part.filter((op) => op.respond !== undefined).length }));
  for (const k of parts.keys()) if (mine !== undefined && mine[k] !== options.share!.index) orders[k] = []; // another worker's
  let live = parts.flatMap((part, index) => (orders[index] ? [] : [{ index, search: searchPartition(normal, part, shared, options.memo !== false, options.analyse !== false, stats, progress[index]!) }]));
  stats.partitions += parts.length;
  const nodesBefore = stats.nodes;
  let composeTried = false;
  const unknown = (reason: UnknownReason, why: string): Verdict<Call, Result> => {
    for (const { search } of live) search.return(undefined as never); // runs each search's cleanup
    const decided = orders.flatMap((order, k) => (order ? [k] : []));
    const undecided = parts.flatMap((_, k) => (orders[k] ? [] : [k]));
    return { kind: "unknown", reason, detail: unknownDetail(why, parts, decided, undecided, progress), decided, undecided };
  };
  while (live.length > 0) {
    if (composing !== "off" && !composeTried && parts.length === 1 && mine === undefined && stats.nodes - nodesBefore >= afterNodes) {
      composeTried = true;
      const witness = composedWitness(model, normal, parts[0]!, options, shared, stats, deadline, composing);
      if (witness !== undefined) {
        live[0]!.search.return(undefined as never);
        return { kind: "ok", linearization: witness };
      }
    }
    const still: typeof live = [];
    for (const { index, search } of live) {
      const step = search.next();
      if (!step.done) {
        still.push({ index, search });
        continue;
      }
      const outcome = step.value;
      switch (outcome.kind) {
        case "ok":
          orders[index] = outcome.order;
          break;
        case "violation": {
          for (const other of live) other.search.return(undefined as never);
          const { stuck, explanation } = explainStuck(normal, parts[index]!, outcome.prefix, index);
          const why = impossibleNote(normal, outcome.impossible, outcome.longest);
          return { kind: "violation", partition: index, prefix: outcome.prefix, stuck, explanation: why + explanation };
        }
        case "memory":
          gaveUp.push(index);
          break;
      }
    }
    live = still;
    if (live.length === 0) break;
    if (shared.nodesLeft <= 0) return unknown("work", `the work budget (maxNodes ${options.maxNodes ?? defaultBudget.maxNodes}) ran out`);
    if (performance.now() >= deadline) return unknown("time", `the time budget (timeMs ${timeMs}, a safety net) ran out`);
    if (heapNearlyFull(shared.memoBytes)) return unknown("memory", "the JS heap is nearly full");
  }
  if (gaveUp.length > 0) {
    return unknown("memory", `the memo budget (maxMemoEntries ${shared.maxMemoEntries}, all partitions together) ran out in partition ${gaveUp.join(", ")}`);
  }
  const linearization: Operation<Call, Result>[] = [];
  for (const order of orders) for (const op of order!) linearization.push(op); // no spread: a part may be huge
  return { kind: "ok", linearization };
}

/**
 * A witness for one hard unpartitioned history found through an inferred split (compose.ts): the
 * groups checked as partitions with what is left of the budgets, their witnesses merged, the merge
 * replayed against the whole model. Undefined when any step fails (nothing is then concluded).
 * The work is charged to the shared budget and `stats`.
 */
function composedWitness<S, Call, Result>(
  model: Model<S, Call, Result>,
  normal: NormalModel<S, Call, Result>,
  part: readonly Operation<Call, Result>[],
  options: CheckOptions,
  shared: SharedBudget,
  stats: CheckStats,
  deadline: number,
  composing: Composing,
): Operation<Call, Result>[] | undefined {
  const work = { steps: 0 };
  const charge = (): void => {
    shared.nodesLeft -= work.steps;
    stats.nodes += work.steps;
    work.steps = 0;
  };
  const groups = independentGroups(normal, part, work, composing === "verified");
  charge();
  if (groups === undefined) return undefined;
  const nodesBefore = stats.nodes;
  const partitionsBefore = stats.partitions;
  const { share: _share, ...whole } = options; // the split is checked whole, on this thread
  const inner = checkHistoryComposing({ ...model, partition: () => groups }, part, {
    ...whole,
    stats,
    partition: true,
    maxNodes: Math.max(0, shared.nodesLeft),
    maxMemoEntries: Math.max(1, shared.maxMemoEntries - shared.memoEntries),
    timeMs: Math.max(0, deadline - performance.now()),
  }, "off");
  shared.nodesLeft -= stats.nodes - nodesBefore;
  stats.partitions = partitionsBefore;
  if (inner.kind !== "ok") return undefined;
  const groupOf = new Map<Operation<Call, Result>, number>();
  for (const [k, group] of groups.entries()) for (const op of group) groupOf.set(op, k);
  const orders: Operation<Call, Result>[][] = groups.map(() => []);
  for (const op of inner.linearization) orders[groupOf.get(op)!]!.push(op);
  const merged = mergeOrders(orders);
  if (merged === undefined || composing === "trusted-unsound") return merged;
  const holdsEveryReturned = merged.filter((op) => op.respond !== undefined).length === part.filter((op) => op.respond !== undefined).length;
  const ok = holdsEveryReturned && verified(normal, merged, work);
  charge();
  return ok ? merged : undefined;
}

/**
 * What the reachability analysis (reach.ts) found, before the prefix explanation: the operations no
 * reachable state allows, and whether the prefix reported is the longest or the longest found.
 */
function impossibleNote<S, Call, Result>(model: NormalModel<S, Call, Result>, impossible: readonly Operation<Call, Result>[], longest: boolean): string {
  if (impossible.length === 0) return longest ? "" : `(The prefix below is the longest found in ${prefixNodes} search nodes, not proven the longest.)\n`;
  const shown = impossible.slice(0, 3).map((op) => `${model.describeCall(op.interp, op.call)} [op ${op.id}] returned ${model.describeResult(op.result as Result)}`);
  const more = impossible.length > 3 ? ` and ${impossible.length - 3} more` : "";
  return (
    `No state this history's operations can reach, in any order, lets ${shown.join("; ")}${more}: ` +
    `${impossible.length === 1 ? "it" : "they"} can never take effect. ` +
    (longest ? "" : `(The prefix below is the longest found in ${prefixNodes} search nodes, not proven the longest.) `) +
    "\n"
  );
}

/** One sentence on an unknown verdict: which budget, and which partitions were and were not decided. */
function unknownDetail(why: string, parts: readonly unknown[][], decided: number[], undecided: number[], progress: readonly Progress[]): string {
  const reached = (k: number): string => `${progress[k]!.placed} of ${progress[k]!.returned}`;
  const list = (ks: number[]): string => (ks.length <= 12 ? ks.join(", ") : `${ks.slice(0, 12).join(", ")}, … (${ks.length} in all)`);
  const size = (ks: number[]): number => ks.reduce((n, k) => n + parts[k]!.length, 0);
  if (parts.length === 1) {
    return (
      `${why} before the history (${parts[0]!.length} operations, one partition) was decided: ` +
      `the longest linearizable prefix found places ${reached(0)} returned operations; whether the rest can follow is undecided`
    );
  }
  return (
    `${why}: ${decided.length} of ${parts.length} partitions are linearizable` +
    (decided.length > 0 ? ` (${list(decided)}; ${size(decided)} operations)` : "") +
    `, no partition was shown non-linearizable, and ${undecided.length} ` +
    `(${list(undecided)}; ${size(undecided)} operations) are undecided` +
    (undecided.length === 1 ? ` (its longest linearizable prefix found places ${reached(undecided[0]!)} returned operations)` : "")
  );
}

/** The partitions `checkHistory` searches: the model's, in its order, empty ones dropped (or the whole history). */
export function partitionsOf<Call, Result>(model: Model<unknown, Call, Result>, ops: readonly Operation<Call, Result>[], options: CheckOptions = {}): Operation<Call, Result>[][] {
  const sorted = [...ops].sort(byInvokeThenId);
  return options.partition !== false && model.partition ? checkedPartition(model.partition(sorted), sorted) : [sorted];
}

/**
 * Which of `of` workers checks each partition: the largest first, each to the worker with the
 * fewest operations so far (ties to the lower-numbered), so the shares are even and fixed by the
 * history alone.
 */
export function shareOf(parts: readonly (readonly unknown[])[], of: number): number[] {
  const load = new Array<number>(of).fill(0);
  const owner = new Array<number>(parts.length).fill(0);
  const bySize = [...parts.keys()].sort((a, b) => parts[b]!.length - parts[a]!.length || a - b);
  for (const k of bySize) {
    let w = 0;
    for (let v = 1; v < of; v++) if (load[v]! < load[w]!) w = v;
    owner[k] = w;
    load[w]! += parts[k]!.length;
  }
  return owner;
}

/** Rejects a partition that does not hold every operation exactly once. */
function checkedPartition<Call, Result>(
  parts: Operation<Call, Result>[][],
  ops: readonly Operation<Call, Result>[],
): Operation<Call, Result>[][] {
  const seen = new Set<number>();
  let count = 0;
  for (const part of parts) {
    for (const op of part) {
      if (seen.has(op.id)) throw new Error(`Model.partition put operation ${op.id} in two partitions`);
      seen.add(op.id);
      count++;
    }
  }
  if (count !== ops.length || ops.some((op) => !seen.has(op.id))) {
    throw new Error(`Model.partition returned ${count} operations for a history of ${ops.length}`);
  }
  return parts.filter((part) => part.length > 0);
}

/**
 * Builds a `Model.partition` from a per-call key: operations with the same key form one part, in
 * order of first appearance. When any call has no key (it touches the whole state, e.g. a runtime
 * finalisation), the history cannot be split and stays one part.
 */
export function partitionByKey<Call, Result>(
  keyOf: (call: Call) => string | number | undefined,
): (ops: readonly Operation<Call, Result>[]) => Operation<Call, Result>[][] {
  return (ops) => {
    const parts = new Map<string | number, Operation<Call, Result>[]>();
    for (const op of ops) {
      const key = keyOf(op.call);
      if (key === undefined) return [[...ops]];
      let part = parts.get(key);
      if (part === undefined) parts.set(key, (part = []));
      part.push(op);
    }
    return [...parts.values()];
  };
}

type PartitionOutcome<Call, Result> =
  | { kind: "ok"; order: Operation<Call, Result>[] }
  | { kind: "violation"; prefix: Operation<Call, Result>[]; impossible: Operation<Call, Result>[]; longest: boolean }
  | { kind: "memory" };

/** How far a partition's search got: the most returned operations any prefix it built placed. */
interface Progress {
  placed: number;
  readonly returned: number;
}

/** The budget all partitions of one check draw on. */
interface SharedBudget {
  nodesLeft: number;
  memoEntries: number;
  memoBytes: number;
  maxMemoEntries: number;
}

/**
 * How many search nodes a partition already refuted by an impossible operation (reach.ts) spends
 * looking for its longest prefix before it reports the longest found.
 */
const prefixNodes = 250_000;

/** How many search nodes a partition runs before the next partition's turn (and a look at the clock). */
const sliceNodes = 1024;

/**
 * The heap headroom below which a search stops with `unknown` (memory) rather than let the process
 * die of heap exhaustion, whatever the memo's entry count (large states can fill the heap long
 * before `maxMemoEntries`). The memos live in typed arrays outside the JS heap; they are counted as
 * if inside, so the heap limit (`--max-old-space-size`) bounds the whole check. V8's `total_available_size` still counts the young generation's reserve
 * (48 MiB on Node 20) when the old space is already full, hence the fixed part.
 */
const heapHeadroom = (limit: number): number => 64 * 2 ** 20 + 0.1 * limit;
/** Whether the heap, with the memos' typed arrays (held outside it) counted in, is nearly full. */
const heapNearlyFull = (memoBytes: number): boolean => {
  const heap = getHeapStatistics();
  return heap.total_available_size - memoBytes < heapHeadroom(heap.heap_size_limit);
};

/**
 * Wing & Gong's search with Lowe's memo, over one partition, as a generator that yields after
 * every `sliceNodes` nodes so the caller can interleave partitions and watch the clock.
 *
 * Operations are numbered returned-first (by invocation, then id), pending after them. The returned
 * operations' call and return events form a doubly-linked list in time order (a call before a
 * return at an equal timestamp, since closed intervals that touch are concurrent). The search walks
 * the list from its head: a call event is an operation that real-time order allows next, so it
 * tries to place it (step enabled, result matching); on success it *lifts* the operation's events
 * out of the list and restarts from the head. Reaching a return event means that operation had to
 * be placed by now: before backtracking, the search tries the pending operations invoked by then.
 *
 * Pending operations (no return event) are kept out of the list and tried only there, when the
 * returned operations alone cannot go on: "just in time". They never force a backtrack and may be
 * left out, and a crashed write is placed only where some later operation needs its effect — in a
 * Jepsen history with dozens of `:info` operations, trying them first at every step (as a list
 * position near the head would) explores subsets of them for nothing. The order of trying changes
 * nothing else: the search is still exhaustive, so verdicts and the longest prefix are the same.
 * The partition is linearizable once every returned operation is placed.
 *
 * The memo key (memo.ts, `Memo`) is a few words: the interned state's id; `low`, the lowest
 * returned operation not yet placed (all below it are placed); the bit words from `low` to the
 * highest placed returned operation (only operations concurrent with `low` can be placed above it,
 * so this window stays as small as the history's concurrency); and the set of pending operations
 * placed, compared by inclusion: having placed more optional operations never opens a way that
 * placing fewer did not, so a configuration whose pending set includes an explored one's is pruned.
 * Trying pending operations just in time explores the smaller sets first, which is what makes this
 * pruning bite.
 */
function* searchPartition<S, Call, Result>(
  model: NormalModel<S, Call, Result>,
  partOps: readonly Operation<Call, Result>[],
  budget: SharedBudget,
  useMemo: boolean,
  analyse: boolean,
  stats: CheckStats,
  progress: Progress,
): Generator<void, PartitionOutcome<Call, Result>, void> {
  const returned = partOps.filter((op) => op.respond !== undefined).sort(byInvokeThenId);
  let pending = partOps.filter((op) => op.respond === undefined).sort(byInvokeThenId);
  const states = new StateTable<S>(model.stateKey, model.stateEqual);
  const plan = planSearch(model, returned, pending, states, useMemo && analyse, budget.maxMemoEntries - budget.memoEntries);
  budget.nodesLeft -= plan.steps;
  stats.nodes += plan.steps;
  pending = plan.pending;
  const twin = plan.twin;
  const ops = [...returned, ...pending];
  // A partition with an impossible operation is refuted already: the search only looks for its
  // longest prefix, and stops at the bound or after `prefixNodes` nodes.
  const refuted = plan.impossible.length > 0;
  let partNodes = 0;
  const n = ops.length;
  const r = returned.length;

  // Events of returned operations: 2i is the call of operation i, 2i+1 its return.
  const events: number[] = [];
  for (let i = 0; i < r; i++) events.push(2 * i, 2 * i + 1);
  const timeOf = (e: number): number => {
    const op = ops[e >> 1]!;
    return e & 1 ? op.respond! : op.invoke;
  };
  events.sort((a, b) => timeOf(a) - timeOf(b) || (a & 1) - (b & 1) || a - b);

  // The list: node e is event e; node `head` is the sentinel. -1 is the end.
  const head = 2 * r;
  const next = new Int32Array(2 * r + 1).fill(-1);
  const prev = new Int32Array(2 * r + 1).fill(-1);
  let last = head;
  for (const e of events) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  const unlink = (e: number): void => {
    const p = prev[e]!;
    const q = next[e]!;
    next[p] = q;
    if (q !== -1) prev[q] = p;
  };
  const relink = (e: number): void => {
    const p = prev[e]!;
    const q = next[e]!;
    next[p] = e;
    if (q !== -1) prev[q] = e;
  };

  // The linearized set: returned operations in `bits`, pending ones in `pendingBits`.
  const bits = new Uint32Array((r + 31) >>> 5);
  const pendingBits = new Uint32Array((n - r + 31) >>> 5);
  const pendingPlaced = (j: number): boolean => (pendingBits[j >>> 5]! & (1 << (j & 31))) !== 0;
  let low = 0; // lowest returned operation not placed
  let high = -1; // highest returned operation placed

  // The memo: interned states, and keys of (state id, linearized set) in a compact hash set.
  const memo = new Memo(pendingBits.length);
  const key = new Uint32Array(2 + bits.length);
  let memoBytes = memo.bytes;
  let held = 0; // memo entries plus interned states, as counted in the shared budget
  budget.memoBytes += memoBytes;
  const release = (): void => {
    budget.memoEntries -= held;
    budget.memoBytes -= memoBytes;
    stats.states += states.states.length;
  };
  /** Adds (current set, state); false when already present, "full" when the budget is spent. */
  const remember = (stateId: number): boolean | "full" => {
    key[0] = stateId;
    key[1] = low;
    let length = 2;
    const from = low >>> 5;
    const to = high >= low ? high >>> 5 : from - 1;
    for (let w = from; w <= to; w++) key[length++] = bits[w]!;
    const newStates = states.states.length + memo.size - held;
    budget.memoEntries += newStates;
    held += newStates;
    if (budget.memoEntries >= budget.maxMemoEntries) {
      if (memo.has(key, length, pendingBits)) return false;
      return "full";
    }
    if (!memo.add(key, length, pendingBits)) return false;
    budget.memoEntries++;
    held++;
    if (memo.size > stats.memoEntries) stats.memoEntries = memo.size;
    const bytes = memo.bytes;
    if (bytes !== memoBytes) {
      budget.memoBytes += bytes - memoBytes;
      memoBytes = bytes;
      if (budget.memoBytes > stats.memoBytes) stats.memoBytes = budget.memoBytes;
    }
    return true;
  };

  // The search stack: for each placed operation, the state before it, the low/high before it, and
  // for a pending operation the return event it was placed at (where its backtrack resumes).
  const stackOp = new Int32Array(n);
  const stackLow = new Int32Array(n);
  const stackHigh = new Int32Array(n);
  const stackCi = new Int32Array(n); // a returned operation's position among its configuration's candidates
  const stackStateId = new Int32Array(n);
  const stackState: S[] = [];
  let depth = 0;
  let state = model.init();
  let stateId = useMemo ? states.intern(state) : 0;
  let unplacedReturned = r;
  let best: number[] = [];
  let bestLength = -1;
  let sinceSlice = 0;
  const cands = new Int32Array(r);
  let deadline = Infinity;

  try {
    // The candidates of the current configuration (returned operations real time allows next),
    // earliest response first; `ci` the next to try, then pending operation `pj` (-1: not yet).
    let cn = collect();
    let ci = 0;
    let pj = -1;
    for (;;) {
      if (unplacedReturned === 0) {
        return { kind: "ok", order: Array.from(stackOp.subarray(0, depth), (i) => ops[i]!) };
      }
      if (++sinceSlice === sliceNodes) {
        sinceSlice = 0;
        budget.nodesLeft -= sliceNodes;
        yield;
      }
      let i = -1; // the operation to try next, if any
      if (pj < 0 && ci < cn) {
        i = cands[ci]!;
      } else {
        // Every returned candidate tried: try the pending operations invoked no later than the
        // earliest unplaced response, then backtrack.
        if (pj < 0) pj = 0;
        // Skip placed ones, and one whose earlier-invoked twin (reach.ts) is still unplaced.
        while (r + pj < n && ops[r + pj]!.invoke <= deadline && (pendingPlaced(pj) || (twin[pj]! >= 0 && !pendingPlaced(twin[pj]!)))) pj++;
        if (r + pj < n && ops[r + pj]!.invoke <= deadline) i = r + pj;
      }
      if (i >= 0) {
        const op = ops[i]!;
        stats.nodes++;
        partNodes++;
        const outcome = model.step(state, op.interp, op.call, op.result);
        if (outcome !== undefined && (i >= r || model.equalResult(outcome.result, op.result as Result))) {
          const savedLow = low;
          const savedHigh = high;
          if (i < r) {
            bits[i >>> 5]! |= 1 << (i & 31);
            if (i > high) high = i;
            while (low < r && (bits[low >>> 5]! & (1 << (low & 31))) !== 0) low++;
          } else {
            pendingBits[(i - r) >>> 5]! |= 1 << ((i - r) & 31);
          }
          // A step that returns the very state it was given (a read) keeps the state's id.
          const nextId = !useMemo ? 0 : outcome.state === state ? stateId : states.intern(outcome.state);
          const fresh = useMemo ? remember(nextId) : true;
          if (fresh === "full") return refuted ? refutation(false) : { kind: "memory" };
          if (fresh) {
            stackOp[depth] = i;
            stackLow[depth] = savedLow;
            stackHigh[depth] = savedHigh;
            stackCi[depth] = ci;
            stackStateId[depth] = stateId;
            stackState[depth] = state;
            depth++;
            state = outcome.state;
            stateId = nextId;
            if (i < r) {
              unlink(2 * i);
              unlink(2 * i + 1);
              unplacedReturned--;
              if (r - unplacedReturned > progress.placed) progress.placed = r - unplacedReturned;
            }
            cn = collect();
            ci = 0;
            pj = -1;
            continue;
          }
          stats.memoHits++;
          clearBit(i);
          low = savedLow;
          high = savedHigh;
        }
        if (i < r) ci++;
        else pj++;
        continue;
      }
      // Nothing more to try here: that return event's operation had to be placed by now.
      // Backtrack: take back the last placement and try what follows it.
      // The longest prefix is the one placing the most returned operations: pending ones are
      // optional, and the memo prunes prefixes that only add pending operations to an explored one.
      if (r - unplacedReturned > bestLength) {
        bestLength = r - unplacedReturned;
        best = Array.from(stackOp.subarray(0, depth));
        if (refuted && bestLength >= plan.prefixBound) return refutation(true);
      }
      if (depth === 0) return refutation(true);
      if (refuted && partNodes > prefixNodes) return refutation(false);
      stats.backtracks++;
      depth--;
      const k = stackOp[depth]!;
      state = stackState[depth]!;
      stackState[depth] = undefined as S; // let the state go: the stack may be deep
      stateId = stackStateId[depth]!;
      low = stackLow[depth]!;
      high = stackHigh[depth]!;
      clearBit(k);
      if (k < r) {
        relink(2 * k + 1);
        relink(2 * k);
        unplacedReturned++;
      }
      // The configuration is the one `k` was placed in: its candidates again, resuming after `k`.
      cn = collect();
      if (k < r) {
        ci = stackCi[depth]! + 1; // collect() gives the same order again: same list, same times
        pj = -1;
      } else {
        ci = cn;
        pj = k - r + 1;
      }
    }
  } finally {
    budget.nodesLeft -= sinceSlice;
    release();
  }

  /**
   * Fills `cands` with the current configuration's candidates — the call events before the first
   * return event in the list — ordered by response time (then number), and sets `deadline` to that
   * first response. Trying the operation that must respond first, first, is the depth-first form
   * of Lowe's just-in-time linearization: an operation is placed early only when placing the ones
   * whose responses force them has failed. Any order is complete; this one finds witnesses of
   * highly concurrent histories without wandering (see README, "Algorithm").
   */
  function collect(): number {
    let count = 0;
    let e = next[head]!;
    for (; e !== -1 && (e & 1) === 0; e = next[e]!) {
      const i = e >> 1;
      const due = ops[i]!.respond!;
      let at = count++;
      for (; at > 0 && (ops[cands[at - 1]!]!.respond! > due || (ops[cands[at - 1]!]!.respond === due && cands[at - 1]! > i)); at--) cands[at] = cands[at - 1]!;
      cands[at] = i;
    }
    deadline = e === -1 ? Infinity : timeOf(e);
    return count;
  }

  function refutation(longest: boolean): PartitionOutcome<Call, Result> {
    return { kind: "violation", prefix: best.map((k) => ops[k]!), impossible: plan.impossible, longest };
  }

  function clearBit(i: number): void {
    if (i < r) bits[i >>> 5]! &= ~(1 << (i & 31));
    else pendingBits[(i - r) >>> 5]! &= ~(1 << ((i - r) & 31));
  }
}
