/**
 * A key-value store with get / put / append, partitioned per key, written as a user of
 * `interlock check-history --model` would (it is Porcupine's key-value test model): copy this file,
 * change what differs. Calls and results, as a call/return log or Porcupine operations give them:
 *
 *   call { "op": "get", "key": "x" }                  → result { "value": "..." } ("" when never put)
 *   call { "op": "put", "key": "x", "value": "a" }    → result {}
 *   call { "op": "append", "key": "x", "value": "b" } → result {}
 *
 * Operations on different keys commute, so `partition` splits a history per key and each key is
 * checked on its own (P-compositionality). The state of one partition is the key's string value.
 *
 *   interlock check-history ops.json --model properties/checker/examples/kv.ts
 */
import type { Model, Operation } from "../types.js";

/** A key-value call. */
export interface KvCall {
  readonly op: "get" | "put" | "append";
  readonly key: string;
  readonly value?: string;
}

/** A key-value result: the value for a get, nothing for put and append. */
export interface KvResult {
  readonly value?: string;
}

/**
 * The state is one key's value: after partitioning, a partition holds one key's operations, so
 * `partition` is required (every call names its key). `wholeStoreModel` below keeps every key.
 */
const model: Model<string, KvCall, KvResult> = {
  init: () => "",
  step(state, _process, call) {
    switch (call.op) {
      case "get":
        return { state, result: { value: state } };
      case "put":
        return { state: call.value ?? "", result: {} };
      case "append":
        return { state: state + (call.value ?? ""), result: {} };
    }
  },
  equalResult: (modelResult, observed) => modelResult.value === observed.value,
  hash: (s) => s,
  equal: (a, b) => a === b,
  partition(ops: readonly Operation<KvCall, KvResult>[]) {
    const byKey = new Map<string, Operation<KvCall, KvResult>[]>();
    for (const op of ops) {
      let part = byKey.get(op.call.key);
      if (part === undefined) byKey.set(op.call.key, (part = []));
      part.push(op);
    }
    return [...byKey.values()];
  },
  describeCall: (process, call) =>
    call.op === "get" ? `process ${process}: get(${call.key})` : `process ${process}: ${call.op}(${call.key}, ${JSON.stringify(call.value)})`,
  describeResult: (r) => (r.value === undefined ? "ok" : JSON.stringify(r.value)),
  describeState: (s) => JSON.stringify(s),
};

export default model;

/**
 * The same store with the whole map as its state, for checking without partitioning (and for
 * generating histories from a simulated run, as the tests and benchmark do). Each key's value
 * evolves by the per-key model's `step`.
 */
export const wholeStoreModel: Model<Readonly<Record<string, string>>, KvCall, KvResult> = {
  init: () => ({}),
  step(state, process, call) {
    const outcome = model.step(state[call.key] ?? "", process, call)!;
    return outcome.state === (state[call.key] ?? "") ? { state, result: outcome.result } : { state: { ...state, [call.key]: outcome.state }, result: outcome.result };
  },
  equalResult: model.equalResult!,
  describeCall: model.describeCall!,
  describeResult: model.describeResult!,
};
