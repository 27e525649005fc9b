import { describeResult, models, type AnyCall, type FamilyName, type ModelConfig, type Result } from "../../model/index.js";
import type { Observer, Violation } from "../explorer/index.js";
import { JudgeTables, NOT_YET } from "./judge-tables.js";
import { classifyDisagreement, propertyNames } from "./property-classifier.js";

/** A call left blocked at a deadlock: which interpreter, which call. */
export interface BlockedCall {
  readonly interp: number;
  readonly call: AnyCall;
}

/** How many configurations one judge state may hold before the judge gives up (a budget, reported). */
const MAX_CONFIGS = 20_000;

/**
 * Linearizability checked online, as an explorer Observer: a judge state is the set of
 * configurations (model state, pending calls each linearized-with-result or not yet) consistent
 * with the history so far. On an invocation every pending call may take effect, in any order,
 * wherever the model enables it (the closure); on a response only configurations where the call
 * took effect with the observed result survive. An empty set is a disagreement, named by the
 * property it breaks. Sets are interned, so the judge's state is an integer in the explored state:
 * exhaustive search then checks linearizability on every path, merged ones included.
 */
export function linearizabilityObserver(
  family: FamilyName,
  config: ModelConfig,
  /** Told the calls of every deadlock the judge accepts because the model blocks them too. */
  onBlockedByDesign?: (calls: readonly BlockedCall[]) => void,
): Observer<AnyCall, Result> {
  const model = models[family];
  const t = new JudgeTables(model);
  const sets: (readonly number[])[] = [];
  const ids = new Map<string, number>();
  // The explorer revisits the same judge transitions again and again: remember them.
  const invokeMemo = new Map<string, number>();
  const respondMemo = new Map<string, number>();
  /** The set of configurations `configs` as a judge state (deduplicated, sorted, interned). */
  const intern = (configs: Iterable<number>): number => {
    const sorted = [...new Set(configs)].sort((x, y) => x - y);
    const key = sorted.join(",");
    let id = ids.get(key);
    if (id === undefined) {
      id = sets.length;
      sets.push(sorted);
      ids.set(key, id);
    }
    return id;
  };
  let last: Violation = { property: "agreement", message: "no violation" };
  const reject = (v: Violation): number => {
    last = v;
    return -1;
  };
  /** Every configuration reachable from configuration `c` by letting pending calls take effect, in any order (null: over budget). */
  const reachFrom = (c0: number): readonly number[] | null => {
    const seen = new Set([c0]);
    const queue = [c0];
    while (queue.length > 0) {
      const c = queue.pop() as number;
      const pending = t.pendingOf(c);
      for (let i = 0; i < pending.length; i++) {
        if (t.resultOf(pending[i] as number) !== NOT_YET) continue;
        const next = t.linearize(c, i);
        if (next < 0 || seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
      if (seen.size > MAX_CONFIGS) return null;
    }
    return [...seen];
  };
  // A configuration recurs in many judge states: what it reaches is computed once.
  const reached = new Map<number, readonly number[] | null>();
  /** The closure of a set of configurations: the union of what each reaches (null: over budget). */
  const closure = (start: readonly number[]): Set<number> | null => {
    const all = new Set<number>();
    for (const c of start) {
      let r = reached.get(c);
      if (r === undefined) {
        r = reachFrom(c);
        reached.set(c, r);
      }
      if (r === null) return null;
      for (const x of r) all.add(x);
      if (all.size > MAX_CONFIGS) return null;
    }
    return all;
  };
  const initial = intern([t.config(t.stateId(model.init(config)), [])]);
  const invokeFresh = (id: number, interp: number, call: AnyCall): number => {
    // Pending calls are kept in interpreter order, so a configuration does not remember in which
    // order calls were invoked (it cannot matter: none has returned in between) and the judge states
    // of two invocation orders are one.
    const entry = t.entry(interp, t.callId(call), NOT_YET);
    const all = closure((sets[id] as readonly number[]).map((c) => t.withPending(c, entry)));
    if (all === null) return reject({ property: "agreement", message: `the online linearizability judge exceeded ${MAX_CONFIGS} configurations (a budget, not a verdict)` });
    return intern(all);
  };
  const respondFresh = (id: number, interp: number, call: AnyCall, result: Result): number => {
    const configs = sets[id] as readonly number[];
    const want = t.resultId(result);
    const kept: number[] = [];
    for (const c of configs) {
      const i = t.pendingIndex(c, interp);
      if (i >= 0 && t.resultOf(t.pendingOf(c)[i] as number) === want) kept.push(t.without(c, i));
    }
    if (kept.length > 0) return intern(kept);
    // No order of the calls so far lets this one return what it did: name the broken property.
    let expected: Result | undefined;
    for (const c of configs) {
      const i = t.pendingIndex(c, interp);
      const r = i < 0 ? NOT_YET : t.resultOf(t.pendingOf(c)[i] as number);
      if (r !== NOT_YET) expected = t.result(r);
      else expected ??= model.step(t.state(t.stateOf(c)), interp, call)?.result;
      if (expected) break;
    }
    const cls = classifyDisagreement(call, result, expected);
    return reject({ property: cls.property, message: `${model.describeCall(interp, call)} returned ${describeResult(result)}: ${cls.why}` });
  };
  return {
    initial,
    eventsCommute: true,
    invoke(id, interp, call) {
      const memoKey = `${id}|${interp}|${t.callId(call)}`;
      const known = invokeMemo.get(memoKey);
      if (known !== undefined) return known;
      const next = invokeFresh(id, interp, call);
      if (next >= 0) invokeMemo.set(memoKey, next);
      return next;
    },
    respond(id, interp, call, result) {
      const memoKey = `${id}|${interp}|${t.callId(call)}|${t.resultId(result)}`;
      const known = respondMemo.get(memoKey);
      if (known !== undefined) return known;
      const next = respondFresh(id, interp, call, result);
      if (next >= 0) respondMemo.set(memoKey, next);
      return next;
    },
    blocked(id) {
      const configs = (sets[id] as readonly number[]).map((c) => t.describe(c));
      // Accepted if in some configuration no pending call has taken effect and none could.
      const accepting = configs.find((c) => c.pending.every((p) => p.result === null && model.step(c.state, p.interp, p.call) === undefined));
      if (accepting !== undefined) {
        onBlockedByDesign?.(accepting.pending.map((p) => ({ interp: p.interp, call: p.call })));
        return undefined;
      }
      const c = configs[0];
      const movable = c?.pending.find((p) => p.result !== null || model.step(c.state, p.interp, p.call) !== undefined);
      return {
        property: "P6",
        message: `every interpreter is blocked, but the model could complete ${movable ? model.describeCall(movable.interp, movable.call) : "a pending call"} (${propertyNames.P6})`,
      };
    },
    why: () => last,
  };
}

