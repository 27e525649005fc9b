import { threadOf } from "../../model/thread.js";
import { defs, describeResult, models, type AnyCall, type FamilyName, type Ghost, type ModelConfig, type Result } from "../../model/index.js";
import type { Subject } from "../../impl/subject.js";
import { checkHistory, type Budget, type Operation, type Verdict as CheckVerdict } from "../checker/index.js";
import type { Execution, FoundViolation, Hooks, Observer, Violation } from "../explorer/index.js";
import { checkerModel } from "./checker-model.js";
import { classifyDisagreement, propertyNames, type Classified, type PropertyId } from "./property-classifier.js";
import { linearizabilityObserver, type BlockedCall } from "./online.js";

/**
 * The judge of agreement, built once per run by `agreementJudge` and used for exploring,
 * shrinking and replaying alike (a token replays to the same verdict only under the same judges):
 * the online linearizability judge (part of the explored state), the whole-history check of every
 * execution the search completes (linearizability with blocking, deadlocks, the ghost counters),
 * and the structured evidence of what failed, which reports render as it is.
 */
export interface Judge {
  readonly family: FamilyName;
  readonly config: ModelConfig;
  readonly subject: Subject<AnyCall, Result>;
  /** The explorer hooks: the online observer and the whole-history check. */
  readonly hooks: Pick<Hooks<AnyCall, Result>, "observer" | "check">;
  /** The evidence of a violation found under these hooks (kept from the check, else derived from its execution). */
  evidence(v: FoundViolation<AnyCall, Result>): Evidence;
  /**
   * Deadlocks the judge accepted since the last call because the model blocks the same calls
   * forever: the programs themselves cannot finish. Not a violation of the implementation, never
   * silent either. Taking the note clears it.
   */
  takeBlockedByDesign(): BlockedByDesign | null;
}

/** How often the judge accepted a deadlock the model has too, and every distinct call left blocked (sorted). */
export interface BlockedByDesign {
  readonly times: number;
  readonly calls: readonly string[];
}

/**
 * What a violation rests on, as data: the property, the sentence, the call the model could not
 * place (what the implementation returned and what the model would have done there), the longest
 * prefix of the history the model accepts, the model's state before and after the failing call,
 * and for a ghost-counter mismatch the field and both counts.
 */
export interface Evidence {
  readonly property: PropertyId;
  readonly message: string;
  readonly stuck: StuckCall | null;
  readonly prefix: readonly PlacedCall[];
  /** The model's state after the prefix, in API terms. */
  readonly modelBefore: string;
  /** The model's state after it takes the stuck call, when it can take it there (else null). */
  readonly modelAfter: string | null;
  readonly ghost: GhostMismatch | null;
}

export interface StuckCall {
  readonly interp: number;
  readonly call: AnyCall;
  /** What the implementation returned; null when the call never returned. */
  readonly observed: Result | null;
  /** What the model returns for the call after the prefix, or "blocks" when it cannot take it there. */
  readonly expected: Result | "blocks";
}

export interface PlacedCall {
  readonly interp: number;
  readonly call: AnyCall;
  readonly result: Result | null;
}

export interface GhostMismatch {
  readonly field: string;
  readonly implementation: number;
  readonly model: number;
}

/** A violation the agreement judge reports: a property of properties.md, with its evidence. */
export interface AgreementViolation extends Violation {
  readonly property: PropertyId;
  readonly evidence: Evidence;
}

export interface JudgeOptions {
  readonly family: FamilyName;
  readonly config: ModelConfig;
  readonly subject: Subject<AnyCall, Result>;
  /**
   * Budget of the whole-history check of one execution. Counted in memo entries so the verdict
   * does not depend on the machine; the time is only a safety net.
   */
  readonly checkBudget?: Budget;
}

/** Explored histories are short: this many memo entries decide every one interlock explores. */
export const defaultCheckBudget: Required<Budget> = { maxMemoEntries: 500_000, timeMs: 600_000 };

/** The one way to build the agreement judge of a run. */
export function agreementJudge(o: JudgeOptions): Judge {
  const model = models[o.family];
  const budget = { ...defaultCheckBudget, ...o.checkBudget };
  const decode = o.subject.decode?.bind(o.subject);
  // Deadlocks accepted since the note was last taken: how many, and the distinct calls left blocked.
  let blockedTimes = 0;
  const blockedCalls = new Set<string>();
  const noteBlocked = (calls: readonly BlockedCall[]): void => {
    blockedTimes++;
    for (const c of calls) blockedCalls.add(model.describeCall(c.interp, c.call));
  };
  const check = agreementCheck(o.family, o.config, budget, decode, noteBlocked);
  return {
    family: o.family,
    config: o.config,
    subject: o.subject,
    hooks: { observer: withReinitEvidence(linearizabilityObserver(o.family, o.config, noteBlocked)), check },
    evidence: (v) => {
      const kept = (v as Partial<AgreementViolation>).evidence;
      if (kept !== undefined) return kept;
      const property = (v.property in propertyNames ? v.property : "agreement") as PropertyId;
      return { ...explainHistory(o.family, o.config, v.execution, budget), property, message: v.message, ghost: null };
    },
    takeBlockedByDesign: () => {
      if (blockedTimes === 0) return null;
      const taken = { times: blockedTimes, calls: [...blockedCalls].sort() };
      blockedTimes = 0;
      blockedCalls.clear();
      return taken;
    },
  };
}

/** The history of an explored execution as checker operations. */
export function executionOperations(e: Execution<AnyCall, Result>): Operation<AnyCall, Result>[] {
  return e.history.map((h, id) =>
    h.response === null
      ? { id, interp: threadOf(h), call: h.call, invoke: h.invoke }
      : { id, interp: threadOf(h), call: h.call, invoke: h.invoke, respond: h.response.step, result: h.response.result },
  );
}

/** The model's state after `ops` in the order given (calls the model cannot take are skipped). */
export function modelStateAfter(family: FamilyName, config: ModelConfig, ops: readonly { readonly interp: number; readonly call: AnyCall }[]): unknown {
  const model = models[family];
  let state = model.init(config);
  for (const o of ops) state = model.step(state, o.interp, o.call)?.state ?? state;
  return state;
}

type Explained = Pick<Evidence, "stuck" | "prefix" | "modelBefore" | "modelAfter">;

/** The evidence a checker verdict gives: the prefix it placed, the stuck call and the model on either side of it. */
function explainVerdict(family: FamilyName, config: ModelConfig, verdict: CheckVerdict<AnyCall, Result>): Explained {
  const model = models[family];
  const placed = verdict.kind === "ok" ? verdict.linearization : verdict.kind === "violation" ? verdict.prefix : [];
  const state = modelStateAfter(family, config, placed);
  const prefix = placed.map((o) => ({ interp: o.interp, call: o.call, result: o.result ?? null }));
  const first = verdict.kind === "violation" ? verdict.stuck[0] : undefined;
  if (first === undefined) return { stuck: null, prefix, modelBefore: model.describeState(state), modelAfter: null };
  const next = model.step(state, first.interp, first.call);
  return {
    stuck: { interp: first.interp, call: first.call, observed: first.result ?? null, expected: next ? next.result : "blocks" },
    prefix,
    modelBefore: model.describeState(state),
    modelAfter: next ? model.describeState(next.state) : null,
  };
}

/** Evidence for a violation some other judge found (online judge, monitor, livelock): the offline check of its history. */
function explainHistory(family: FamilyName, config: ModelConfig, e: Execution<AnyCall, Result>, budget: Budget): Explained {
  const ops = executionOperations(e);
  const judged = e.outcome === "finished" ? ops : ops.filter((o) => o.respond !== undefined);
  return explainVerdict(family, config, checkHistory(checkerModel(models[family], config), judged, budget));
}

/** The whole-history judge of one execution: linearizability, deadlocks the model does not have, ghost counters. */
function agreementCheck(
  family: FamilyName,
  config: ModelConfig,
  budget: Budget,
  decode: ((mem: Int32Array) => Record<string, number>) | undefined,
  noteBlocked: (calls: readonly BlockedCall[]) => void,
): (e: Execution<AnyCall, Result>) => AgreementViolation | undefined {
  const model = models[family];
  const cm = checkerModel(model, config);
  const violation = (property: PropertyId, message: string, explained: Explained, ghost: GhostMismatch | null = null): AgreementViolation => ({
    property,
    message,
    evidence: { property, message, ...explained, ghost },
  });
  return (e) => {
    const ops = executionOperations(e);
    // A finished execution of an implementation that names its ghost counters: one search finds an
    // order that both explains the results and leaves the model's ghost equal to the
    // implementation's. Several orders may explain the results and leave different ghosts (was the
    // failed exec's import first, running global_init and global_exit, or second?), so the check
    // asks for *some* such order: `accept` holds exactly when the ghosts agree. Only when that
    // fails does the plain search below tell a disagreement from a ghost mismatch.
    let fields = decode !== undefined && e.outcome === "finished" ? decode(e.memory) : undefined;
    if (fields !== undefined) {
      const implFields = fields;
      const probed = checkWithFinalState(cm, ops, (st) => ghostMismatch(model.ghost(st), implFields) === null, budget);
      if (probed === "ok") return undefined;
      if (probed === "unknown") fields = undefined; // out of budget: judge the results alone, as the plain search does
    }
    const done = ops.filter((o) => o.respond !== undefined);
    const verdict = checkHistory(cm, e.outcome === "deadlock" ? done : ops, budget);
    if (verdict.kind === "unknown") {
      return violation("agreement", `the linearizability check ran out of its ${verdict.reason} budget (${verdict.detail})`, explainVerdict(family, config, verdict));
    }
    if (verdict.kind === "violation") {
      const explained = explainVerdict(family, config, verdict);
      const stuck = explained.stuck;
      if (stuck === null) return violation("agreement", "no order of the calls agrees with the model", explained);
      const expected = stuck.expected === "blocks" ? undefined : stuck.expected;
      const symptom = classifyDisagreement(stuck.call, stuck.observed ?? undefined, expected);
      const c = crossedReinitialisation(explained.prefix, stuck.call, symptom) ?? symptom;
      return violation(c.property, `${model.describeCall(stuck.interp, stuck.call)} returned ${stuck.observed ? describeResult(stuck.observed) : "nothing"}: ${c.why}`, explained);
    }
    if (e.outcome === "deadlock") {
      // The implementation is stuck. If, after the calls that completed (in the order found), the
      // model could still complete any blocked call, the deadlock is the implementation's (P6);
      // otherwise the model blocks the same calls forever: the programs cannot finish by design.
      const state = modelStateAfter(family, config, verdict.linearization);
      const blocked = ops.filter((o) => o.respond === undefined);
      const couldMove = blocked.find((o) => model.step(state, o.interp, o.call) !== undefined);
      if (couldMove) {
        const next = model.step(state, couldMove.interp, couldMove.call);
        return violation("P6", `every interpreter is blocked, but the model could complete ${model.describeCall(couldMove.interp, couldMove.call)} (${propertyNames.P6})`, {
          stuck: { interp: couldMove.interp, call: couldMove.call, observed: null, expected: next ? next.result : "blocks" },
          prefix: verdict.linearization.map((o) => ({ interp: o.interp, call: o.call, result: o.result ?? null })),
          modelBefore: model.describeState(state),
          modelAfter: next ? model.describeState(next.state) : null,
        });
      }
      noteBlocked(blocked.map((o) => ({ interp: o.interp, call: o.call })));
    }
    if (e.outcome === "livelock") return violation("P6", "an execution exceeded the step bound (maxSteps): a livelock or unbounded spinning — if the programs legitimately take longer, raise INTERLOCK_MAX_STEPS", explainVerdict(family, config, verdict));
    if (fields !== undefined) {
      // Linearizable, but no order leaves the ghosts equal: report the difference along the witness.
      const explained = explainVerdict(family, config, verdict);
      const ghost = ghostMismatch(model.ghost(modelStateAfter(family, config, verdict.linearization)), fields);
      if (ghost === null) return violation("agreement", "no order of the calls leaves the model's ghost counters equal to the implementation's", explained);
      return violation(ghost.property, ghost.message, explained, ghost.mismatch);
    }
    return undefined;
  };
}

/**
 * Root cause across a runtime re-initialisation (P7): the stuck call is the first call on its def
 * since a Py_Initialize that followed a Py_FinalizeEx. After Py_Initialize the model's state for
 * the def is "not set" and nothing in this runtime has touched it since, so the implementation can
 * disagree there only with state it kept from before Py_FinalizeEx. The first symptom (a skipped
 * init, a stale handle, …) is kept in the sentence. `prefix` is the calls placed before it.
 */
export function crossedReinitialisation(prefix: readonly { readonly call: AnyCall }[], call: AnyCall, symptom: Classified): Classified | undefined {
  if (symptom.property === "P7" || !("def" in call)) return undefined;
  const reinit = prefix.map((p) => p.call._tag).lastIndexOf("Py_Initialize");
  if (reinit < 0 || !prefix.slice(0, reinit).some((p) => p.call._tag === "Py_FinalizeEx")) return undefined;
  if (prefix.slice(reinit + 1).some((p) => "def" in p.call && p.call.def === call.def)) return undefined;
  return reinitCause(call.def, symptom);
}

function reinitCause(def: string, symptom: Classified): Classified {
  return {
    property: "P7",
    why: `${def}'s state used after runtime re-initialisation: this is the first ${def} call since Py_Initialize, where the model starts from "not set", so the implementation kept state from before Py_FinalizeEx (first symptom, ${symptom.property}: ${symptom.why})`,
  };
}

/**
 * The online judge with the same P7 evidence: beside the judge's own state it keeps whether a
 * Py_FinalizeEx returned, whether a Py_Initialize returned after it, and which defs a call has
 * returned on since. Histories without a finalisation keep one mark, so they are explored exactly
 * as before; a disagreement on the first call of a def since the re-initialisation is named P7.
 */
function withReinitEvidence(inner: Observer<AnyCall, Result>): Observer<AnyCall, Result> {
  const FINALISED = 1;
  const REINITIALISED = 2;
  const touched = (def: string): number => 4 << defs.indexOf(def as (typeof defs)[number]);
  const pairs: (readonly [number, number])[] = [];
  const ids = new Map<number, number>();
  const intern = (innerId: number, mark: number): number => {
    // a mark is FINALISED, REINITIALISED and a touched bit per def: below 2^(2 + defs)
    const key = innerId * (4 << defs.length) + mark;
    let id = ids.get(key);
    if (id === undefined) {
      id = pairs.length;
      pairs.push([innerId, mark]);
      ids.set(key, id);
    }
    return id;
  };
  let last: Violation = { property: "agreement", message: "no violation" };
  const rejected = (mark: number, call: AnyCall): number => {
    const v = inner.why();
    last = v;
    // A budget the online judge ran out of is no disagreement: it is never renamed.
    const disagreement = v.property in propertyNames && v.property !== "P7" && !v.message.startsWith("the online linearizability judge exceeded");
    if ((mark & REINITIALISED) !== 0 && "def" in call && (mark & touched(call.def)) === 0 && disagreement) {
      const [head, ...rest] = v.message.split(": ");
      const cause = reinitCause(call.def, { property: v.property as PropertyId, why: rest.join(": ") });
      last = { property: cause.property, message: `${head}: ${cause.why}` };
    }
    return -1;
  };
  const marked = (mark: number, call: AnyCall, result: Result): number => {
    if (result._tag !== "Ok") return mark;
    if (call._tag === "Py_FinalizeEx") return FINALISED;
    if (call._tag === "Py_Initialize" && (mark & FINALISED) !== 0) return FINALISED | REINITIALISED;
    return (mark & REINITIALISED) !== 0 && "def" in call ? mark | touched(call.def) : mark;
  };
  return {
    initial: intern(inner.initial, 0),
    invoke(id, interp, call) {
      const [i, mark] = pairs[id] as readonly [number, number];
      const next = inner.invoke(i, interp, call);
      return next < 0 ? rejected(mark, call) : intern(next, mark);
    },
    respond(id, interp, call, result) {
      const [i, mark] = pairs[id] as readonly [number, number];
      const next = inner.respond(i, interp, call, result);
      return next < 0 ? rejected(mark, call) : intern(next, marked(mark, call, result));
    },
    blocked: (id) => inner.blocked((pairs[id] as readonly [number, number])[0]),
    why: () => last,
    // The marks only OR in def bits, except at Py_FinalizeEx / Py_Initialize, whose order against every other event they remember.
    ...(inner.eventsCommute === true ? { eventsCommute: true } : {}),
    ordered: (call) => call._tag === "Py_FinalizeEx" || call._tag === "Py_Initialize",
  };
}

/**
 * A history checked with a predicate on the model's final state: accepted only along an order
 * whose final state satisfies `accept`. Written as one last pseudo-call, after every real
 * response, that returns 1 exactly when the predicate holds, so the checker's own search (memo,
 * pending calls) decides it; the sentinel call object exists only here.
 */
const finalStateCall = { _tag: "the implementation's ghost counters" } as unknown as AnyCall;
function checkWithFinalState(
  cm: ReturnType<typeof checkerModel>,
  ops: readonly Operation<AnyCall, Result>[],
  accept: (state: unknown) => boolean,
  budget: Budget,
): CheckVerdict<AnyCall, Result>["kind"] {
  const last = Math.max(0, ...ops.map((o) => o.respond ?? o.invoke));
  const probe: Operation<AnyCall, Result> = { id: ops.length, interp: 1, call: finalStateCall, invoke: last + 1, respond: last + 2, result: { _tag: "Ok", value: 1 } };
  const probed: typeof cm = {
    ...cm,
    step: (st, interp, call) => (call === finalStateCall ? { state: st, result: { _tag: "Ok", value: accept(st) ? 1 : 0 } } : cm.step(st, interp, call)),
    partition: (all) => [all.slice()],
    describeCall: (interp, call) => (call === finalStateCall ? "the implementation's ghost counters" : (cm.describeCall?.(interp, call) ?? call._tag)),
  };
  return checkHistory(probed, [...ops, probe], budget).kind;
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

/** The first ghost field where the implementation's count differs from the model's, or null. */
export function ghostMismatch(ghost: Ghost, fields: Readonly<Record<string, number>>): { property: PropertyId; message: string; mismatch: GhostMismatch } | null {
  for (const [field, of, property, what] of ghostFields) {
    const actual = fields[field];
    const expected = of(ghost);
    if (actual !== undefined && actual !== expected) {
      return {
        property,
        message: `${what}: the implementation counts ${actual} (${field}); the model, after the same calls, counts ${expected}`,
        mismatch: { field, implementation: actual, model: expected },
      };
    }
  }
  return null;
}
