import { describeResult, equalResult, models, type AnyCall, type FamilyName, type ModelConfig, type Result } from "../../model/index.js";
import type { Observer, Violation } from "../explorer/index.js";
import { classifyDisagreement, propertyNames } from "./property-classifier.js";

/** A call left blocked at a deadlock: which interpreter, which call. */
export interface BlockedCall {
  readonly interp: number;
  readonly call: AnyCall;
}

/**
 * A pending call in one configuration of the online judge: invoked, and either not yet linearized
 * or linearized with the result the model gave it.
 */
interface Pending {
  readonly interp: number;
  readonly call: AnyCall;
  readonly result: Result | null;
}
interface Config {
  readonly state: unknown;
  readonly pending: readonly Pending[];
}

/** `pending` with `p` added in interpreter order (one pending call per interpreter). */
function withPending(pending: readonly Pending[], p: Pending): Pending[] {
  const out = [...pending];
  let i = out.length;
  while (i > 0 && (out[i - 1] as Pending).interp > p.interp) i--;
  out.splice(i, 0, p);
  return out;
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
  const sets: Config[][] = [];
  const ids = new Map<string, number>();
  // A configuration's identity: the model state, and each pending call with its result so far.
  // The explorer hands the judge the same call object each time a node's call is invoked or
  // completes: remember each call's key by identity.
  const callKeys = new WeakMap<object, string>();
  const callKey = (call: AnyCall): string => {
    let k = callKeys.get(call);
    if (k === undefined) {
      k = JSON.stringify(call);
      callKeys.set(call, k);
    }
    return k;
  };
  const stateKeys = new WeakMap<object, string>();
  const stateKey = (state: unknown): string => {
    let k = stateKeys.get(state as object);
    if (k === undefined) {
      k = model.key(state);
      stateKeys.set(state as object, k);
    }
    return k;
  };
  const keyOf = (c: Config): string =>
    `${stateKey(c.state)}#${c.pending.map((p) => `${p.interp}:${callKey(p.call)}:${p.result === null ? "-" : describeResult(p.result)}`).join(",")}`;
  // The explorer revisits the same judge transitions again and again: remember them.
  const invokeMemo = new Map<string, number>();
  const respondMemo = new Map<string, number>();
  const intern = (configs: Config[]): number => {
    const unique = new Map<string, Config>();
    for (const c of configs) unique.set(keyOf(c), c);
    const key = [...unique.keys()].sort().join("|");
    let id = ids.get(key);
    if (id === undefined) {
      id = sets.length;
      sets.push([...unique.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1]));
      ids.set(key, id);
    }
    return id;
  };
  let last: Violation = { property: "agreement", message: "no violation" };
  const reject = (v: Violation): number => {
    last = v;
    return -1;
  };
  /** Every configuration reachable by letting pending calls take effect, in any order. */
  const closure = (start: Config[]): Config[] | null => {
    const seen = new Map<string, Config>();
    const queue = [...start];
    for (const c of start) seen.set(keyOf(c), c);
    while (queue.length > 0) {
      const c = queue.pop() as Config;
      c.pending.forEach((p, i) => {
        if (p.result !== null) return;
        const r = model.step(c.state, p.interp, p.call);
        if (r === undefined) return;
        const next: Config = { state: r.state, pending: c.pending.map((q, j) => (j === i ? { ...q, result: r.result } : q)) };
        const k = keyOf(next);
        if (!seen.has(k)) {
          seen.set(k, next);
          queue.push(next);
        }
      });
      if (seen.size > MAX_CONFIGS) return null;
    }
    return [...seen.values()];
  };
  const initial = intern([{ state: model.init(config), pending: [] }]);
  const invokeFresh = (id: number, interp: number, call: AnyCall): number => {
    // Pending calls are kept in interpreter order, so a configuration does not remember in which
    // order calls were invoked (it cannot matter: none has returned in between) and the judge states
    // of two invocation orders are one.
    const configs = (sets[id] as Config[]).map((c) => ({ state: c.state, pending: withPending(c.pending, { interp, call, result: null }) }));
    const all = closure(configs);
    if (all === null) return reject({ property: "agreement", message: `the online linearizability judge exceeded ${MAX_CONFIGS} configurations (a budget, not a verdict)` });
    return intern(all);
  };
  const respondFresh = (id: number, interp: number, call: AnyCall, result: Result): number => {
    const configs = sets[id] as Config[];
    const kept: Config[] = [];
    for (const c of configs) {
      const p = c.pending.find((q) => q.interp === interp);
      if (p && p.result !== null && equalResult(p.result, result)) kept.push({ state: c.state, pending: c.pending.filter((q) => q !== p) });
    }
    if (kept.length > 0) return intern(kept);
    // No order of the calls so far lets this one return what it did: name the broken property.
    let expected: Result | undefined;
    for (const c of configs) {
      const p = c.pending.find((q) => q.interp === interp);
      if (p?.result) expected = p.result;
      else expected ??= model.step(c.state, interp, call)?.result;
      if (expected) break;
    }
    const cls = classifyDisagreement(call, result, expected);
    return reject({ property: cls.property, message: `${model.describeCall(interp, call)} returned ${describeResult(result)}: ${cls.why}` });
  };
  return {
    initial,
    eventsCommute: true,
    invoke(id, interp, call) {
      const memoKey = `${id}|${interp}|${callKey(call)}`;
      const known = invokeMemo.get(memoKey);
      if (known !== undefined) return known;
      const next = invokeFresh(id, interp, call);
      if (next >= 0) invokeMemo.set(memoKey, next);
      return next;
    },
    respond(id, interp, call, result) {
      const memoKey = `${id}|${interp}|${callKey(call)}|${describeResult(result)}`;
      const known = respondMemo.get(memoKey);
      if (known !== undefined) return known;
      const next = respondFresh(id, interp, call, result);
      if (next >= 0) respondMemo.set(memoKey, next);
      return next;
    },
    blocked(id) {
      const configs = sets[id] as Config[];
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

