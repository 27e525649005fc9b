import { canonicalJson } from "./canonical.js";
import { stateKeying } from "./memo.js";
import type { Model, Operation } from "./types.js";

/**
 * A Model with every default filled in, as the search uses it. States are interned (memo.ts) by
 * `stateKey`; when `stateEqual` is undefined, equal keys mean equal states (canonical JSON),
 * otherwise it tells apart states that share a key.
 */
export interface NormalModel<S, Call, Result> {
  readonly init: () => S;
  /** `observed` is the operation's observed result, undefined for a pending operation. */
  readonly step: (state: S, interp: number, call: Call, observed: Result | undefined) => { state: S; result: Result } | undefined;
  /** (the model's result, the observed result) */
  readonly equalResult: (modelResult: Result, observed: Result) => boolean;
  readonly stateKey: (s: S) => string | number;
  readonly stateEqual: ((a: S, b: S) => boolean) | undefined;
  readonly describeCall: (interp: number, call: Call) => string;
  readonly describeResult: (r: Result) => string;
  readonly describeState: (s: S) => string;
}

const structurallyEqual = (a: unknown, b: unknown): boolean => a === b || canonicalJson(a) === canonicalJson(b);

/** Fills a model's defaults, rejecting a model without init or step. */
export function normalizeModel<S, Call, Result>(model: Model<S, Call, Result>): NormalModel<S, Call, Result> {
  if (typeof model.init !== "function" || typeof model.step !== "function") {
    throw new TypeError("a Model needs init() and step(state, interp, call)");
  }
  const keying = stateKeying<S>(
    model.hash ? (s) => model.hash!(s) : undefined,
    model.equal ? (a, b) => model.equal!(a, b) : undefined,
  );
  return {
    init: () => model.init(),
    step: (s, i, c, observed) => model.step(s, i, c, observed),
    equalResult: model.equalResult ? (a, b) => model.equalResult!(a, b) : structurallyEqual,
    stateKey: keying.key,
    stateEqual: keying.equal,
    describeCall: model.describeCall
      ? (i, c) => model.describeCall!(i, c)
      : (i, c) => `interp ${i}: ${canonicalJson(c)}`,
    describeResult: model.describeResult ? (r) => model.describeResult!(r) : canonicalJson,
    describeState: model.describeState ? (s) => model.describeState!(s) : canonicalJson,
  };
}

/** Whether an operation is pending (invoked, never returned). */
export const isPending = (op: Operation<unknown, unknown>): boolean => op.respond === undefined;

/** Orders operations by invocation time, then id: the canonical order of a history. */
export const byInvokeThenId = (a: Operation<unknown, unknown>, b: Operation<unknown, unknown>): number =>
  a.invoke - b.invoke || a.id - b.id;

/**
 * Rejects a malformed history (misuse, so it throws): ids must be unique integers, timestamps
 * finite, a response no earlier than its invocation, and a result present exactly when a
 * response is.
 */
export function validateHistory(ops: readonly Operation<unknown, unknown>[]): void {
  const ids = new Set<number>();
  for (const op of ops) {
    if (!Number.isInteger(op.id)) throw new TypeError(`operation id ${String(op.id)} is not an integer`);
    if (ids.has(op.id)) throw new TypeError(`operation id ${op.id} appears twice in the history`);
    ids.add(op.id);
    if (!Number.isFinite(op.invoke)) throw new TypeError(`operation ${op.id}: invoke ${op.invoke} is not finite`);
    if (op.respond === undefined) {
      if ("result" in op && op.result !== undefined) {
        throw new TypeError(`operation ${op.id} is pending (no respond) but has a result`);
      }
    } else {
      if (!Number.isFinite(op.respond)) throw new TypeError(`operation ${op.id}: respond ${op.respond} is not finite`);
      if (op.respond < op.invoke) {
        throw new TypeError(`operation ${op.id} responds (${op.respond}) before it is invoked (${op.invoke})`);
      }
      if (!("result" in op)) throw new TypeError(`operation ${op.id} returned (respond ${op.respond}) without a result`);
    }
  }
}
