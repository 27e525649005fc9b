import { defaultConfig, defs, describeResult, equalResult, models, type AnyCall, type FamilyName, type Ghost, type ModelConfig, type Result } from "../model/index.js";
import { implementations } from "../impl/index.js";
import type { Program, Subject } from "../impl/subject.js";
import { checkHistory, type Operation } from "./checker/index.js";
import { explore, type Execution, type ExploreOptions, type ExploreResult, type Limits, type Observer, type Strategy, type Violation } from "./explorer/index.js";
import { checkerModel } from "./family_checker.js";
import { classifyDisagreement, propertyNames, type PropertyId } from "./properties.js";

/**
 * Agreement: the implementation's executions, explored over interleavings, judged against the
 * model. Every execution the explorer completes is checked for linearizability (blocking calls
 * included); a deadlock counts only if the model could still complete one of the blocked calls; a
 * violation names the property it breaks.
 */
export interface AgreementOptions {
  readonly family: FamilyName;
  /** The implementation under test; default interlock's own. */
  readonly subject?: Subject<AnyCall, Result>;
  /** One program per interpreter, interpreters numbered from 1. */
  readonly programs: readonly (readonly AnyCall[])[];
  readonly strategy: Strategy;
  readonly config?: ModelConfig;
  readonly limits?: Partial<Limits>;
  readonly onProgress?: ExploreOptions<AnyCall, Result>["onProgress"];
  /** Time budget for the linearizability check of one execution (ms). */
  readonly checkBudgetMs?: number;
}

export function toPrograms(programs: readonly (readonly AnyCall[])[]): Program<AnyCall>[] {
  return programs.map((calls, i) => ({ interp: i + 1, calls }));
}

/** The history of an explored execution as checker operations. */
export function executionOperations(e: Execution<AnyCall, Result>): Operation<AnyCall, Result>[] {
  return e.history.map((h, id) =>
    h.response === null
      ? { id, interp: h.interp, call: h.call, invoke: h.invoke }
      : { id, interp: h.interp, call: h.call, invoke: h.invoke, respond: h.response.step, result: h.response.result },
  );
}

/** The judge of one execution: linearizability against the model, and deadlocks the model does not have. */
export function agreementCheck(
  family: FamilyName,
  config: ModelConfig,
  checkBudgetMs = 10_000,
  decode?: (mem: Int32Array) => Record<string, number>,
): (e: Execution<AnyCall, Result>) => Violation | undefined {
  const model = models[family];
  const cm = checkerModel(model, config);
  const ghostCall = { _tag: "ghost counters agree" } as unknown as AnyCall;
  return (e) => {
    const ops = executionOperations(e);
    // A finished execution with an implementation that names its ghost counters: one search finds
    // an order that both explains the results and leaves the model's ghost equal to the
    // implementation's. Several orders may explain the results and leave different ghosts (was the
    // failed exec's import first, running global_init and global_exit, or second?), so the check
    // is for *some* such order: a final pseudo-call returns 1 exactly when the ghosts agree. Only
    // when that fails does the plain search below tell a disagreement from a ghost mismatch.
    let fields = decode !== undefined && e.outcome === "finished" ? decode(e.memory) : undefined;
    if (fields !== undefined) {
      const implFields = fields;
      const last = Math.max(0, ...ops.map((o) => o.respond ?? o.invoke));
      const probe = { id: ops.length, interp: 1, call: ghostCall, invoke: last + 1, respond: last + 2, result: { _tag: "Ok" as const, value: 1 } };
      const withGhost: typeof cm = {
        ...cm,
        step: (st, interp, call) =>
          call === ghostCall ? { state: st, result: { _tag: "Ok", value: ghostMismatch(model.ghost(st), implFields) === undefined ? 1 : 0 } } : cm.step(st, interp, call),
        partition: (all) => [all.slice()],
        describeCall: (interp, call) => (call === ghostCall ? "the implementation's ghost counters" : model.describeCall(interp, call)),
      };
      const probed = checkHistory(withGhost, [...ops, probe], { timeMs: checkBudgetMs }).kind;
      if (probed === "ok") return undefined;
      if (probed === "unknown") fields = undefined; // out of budget: judge the results alone, as the plain search does
    }
    const done = ops.filter((o) => o.respond !== undefined);
    const verdict = checkHistory(cm, e.outcome === "deadlock" ? done : ops, { timeMs: checkBudgetMs });
    if (verdict.kind === "unknown") return { property: "agreement", message: `the linearizability check ran out of its ${verdict.reason} budget (${verdict.detail})` };
    if (verdict.kind === "violation") {
      const stuck = verdict.stuck[0];
      const state = modelStateAfter(family, config, verdict.prefix);
      const expected = stuck ? model.step(state, stuck.interp, stuck.call)?.result : undefined;
      const c = stuck ? classifyDisagreement(stuck.call, stuck.result, expected) : { property: "agreement" as const, why: "no order of the calls agrees with the model" };
      const where = stuck ? `${model.describeCall(stuck.interp, stuck.call)} returned ${stuck.result ? describeResult(stuck.result) : "nothing"}: ` : "";
      return { property: c.property, message: `${where}${c.why}` };
    }
    if (e.outcome === "deadlock") {
      // The implementation is stuck. If, after the calls that completed (in the order found), the
      // model could still complete any blocked call, the deadlock is the implementation's (P6).
      const state = modelStateAfter(family, config, verdict.linearization);
      const blocked = ops.filter((o) => o.respond === undefined);
      const couldMove = blocked.find((o) => model.step(state, o.interp, o.call) !== undefined);
      if (couldMove) {
        return {
          property: "P6",
          message: `every interpreter is blocked, but the model could complete ${model.describeCall(couldMove.interp, couldMove.call)} (${propertyNames.P6})`,
        };
      }
    }
    if (e.outcome === "livelock") return { property: "P6", message: "an execution exceeded the step bound: a livelock or unbounded spinning" };
    if (fields !== undefined) {
      // Linearizable, but no order leaves the ghosts equal: report the difference along the witness.
      return (
        ghostMismatch(model.ghost(modelStateAfter(family, config, verdict.linearization)), fields) ?? {
          property: "agreement",
          message: "no order of the calls leaves the model's ghost counters equal to the implementation's",
        }
      );
    }
    return undefined;
  };
}

/** The model's state after `ops` in the order given (calls the model cannot take are skipped). */
export function modelStateAfter(family: FamilyName, config: ModelConfig, ops: readonly { readonly interp: number; readonly call: AnyCall }[]): unknown {
  const model = models[family];
  let state = model.init(config);
  for (const o of ops) state = model.step(state, o.interp, o.call)?.state ?? state;
  return state;
}

/**
 * The ghost monitor along the linearization: at the end of an execution, the implementation's own
 * ghost counters (those its decoding names) must equal the model's after the witness order — how
 * many times each def's global state was set up and torn down (P1, P2), locks abandoned by a dying
 * interpreter (P9), entries left live by runtime finalisation (P7), interpreter-owned values left in
 * process-global storage (P4). Results alone can agree while these differ (a leak nobody reads).
 */
const ghostFields: readonly (readonly [field: string, of: (g: Ghost) => number, property: PropertyId, what: string])[] = [
  ["ghost.leaks", (g) => g.leaks, "P7", "registry entries or references left live by runtime finalisation"],
  ["ghost.abandoned", (g) => g.abandoned, "P9", "locks released because their holder's interpreter ended"],
  ["ghost.dangling", (g) => g.dangling, "P4", "interpreter-owned values left in process-global storage when their owner died"],
  ["ghost.dropped", (g) => g.dropped, "P7", "store values still set when the runtime deallocated their storage unseen"],
  ...defs.flatMap((def) => [
    [`${def}.epoch`, (g: Ghost) => g.inits[def], "P1", `times ${def}'s global state was set up`] as const,
    [`${def}.exits`, (g: Ghost) => g.exits[def], "P2", `times ${def}'s global state was torn down`] as const,
  ]),
];

export function ghostMismatch(ghost: Ghost, fields: Readonly<Record<string, number>>): Violation | undefined {
  for (const [field, of, property, what] of ghostFields) {
    const actual = fields[field];
    const expected = of(ghost);
    if (actual !== undefined && actual !== expected) {
      return { property, message: `the implementation counts ${actual} ${what} (${field}); the model, after the same calls, counts ${expected}` };
    }
  }
  return undefined;
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
export function linearizabilityObserver(family: FamilyName, config: ModelConfig): Observer<AnyCall, Result> {
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
    const configs = (sets[id] as Config[]).map((c) => ({ state: c.state, pending: [...c.pending, { interp, call, result: null }] }));
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
      const ok = configs.some((c) => c.pending.every((p) => p.result === null && model.step(c.state, p.interp, p.call) === undefined));
      if (ok) return undefined;
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

/**
 * The hooks that judge agreement — the online linearizability judge and the whole-history check —
 * for exploring, replaying and shrinking alike (a token replays to the same verdict only when the
 * same judges watch it).
 */
export function agreementHooks(
  family: FamilyName,
  config: ModelConfig,
  checkBudgetMs?: number,
  decode?: (mem: Int32Array) => Record<string, number>,
): Pick<ExploreOptions<AnyCall, Result>, "observer" | "check"> {
  return { observer: linearizabilityObserver(family, config), check: agreementCheck(family, config, checkBudgetMs, decode) };
}

export function checkAgreement(o: AgreementOptions): ExploreResult<AnyCall, Result> {
  const config = o.config ?? { ...defaultConfig, interpreters: Math.max(defaultConfig.interpreters, o.programs.length) };
  const subject = o.subject ?? implementations[o.family](config);
  const options: ExploreOptions<AnyCall, Result> = {
    strategy: o.strategy,
    ...agreementHooks(o.family, config, o.checkBudgetMs, subject.decode?.bind(subject)),
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  };
  return explore(subject, toPrograms(o.programs), options);
}
