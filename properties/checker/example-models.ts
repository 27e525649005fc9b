/**
 * Three small sequential models the checker's tests and benchmark linearize against: a register, a
 * key-value map that partitions per key, and a blocking mutex. They are deliberately tiny and
 * independent of interlock's API families (model/), so the checker is tested on its own. Every
 * result is an integer, which keeps fixtures and corruptions simple.
 */
import { partitionByKey } from "./check.js";
import type { Model, Operation } from "./types.js";

/** A call on a single integer register. */
export type RegisterCall =
  | { readonly _tag: "read" }
  | { readonly _tag: "write"; readonly value: number }
  | { readonly _tag: "cas"; readonly expected: number; readonly value: number };

/**
 * A register holding one integer, initially 0. `read` returns the value, `write` returns 0,
 * `cas` returns 1 when it swapped and 0 when it did not.
 */
export const registerModel: Model<number, RegisterCall, number> = {
  init: () => 0,
  step(state, _interp, call) {
    switch (call._tag) {
      case "read":
        return { state, result: state };
      case "write":
        return { state: call.value, result: 0 };
      case "cas":
        return state === call.expected ? { state: call.value, result: 1 } : { state, result: 0 };
    }
  },
  hash: (s) => s,
  equal: (a, b) => a === b,
  describeCall(interp, call) {
    switch (call._tag) {
      case "read":
        return `interp ${interp}: read()`;
      case "write":
        return `interp ${interp}: write(${call.value})`;
      case "cas":
        return `interp ${interp}: cas(${call.expected}, ${call.value})`;
    }
  },
  describeResult: (r) => String(r),
  describeState: (s) => `register = ${s}`,
};

/** A call on a key-value map. */
export type KvCall =
  | { readonly _tag: "get"; readonly key: string }
  | { readonly _tag: "put"; readonly key: string; readonly value: number };

/** A key-value map's state: the keys ever put, with their values. Never mutated. */
export type KvState = Readonly<Record<string, number>>;

/**
 * A key-value map from strings to integers, initially empty. `get` returns the value, or 0 for a
 * key never put; `put` returns 0. Operations on different keys commute, so histories partition per
 * key (P-compositionality). The state hash is left to the default (canonical JSON).
 */
export const kvModel: Model<KvState, KvCall, number> = {
  init: () => ({}),
  step(state, _interp, call) {
    switch (call._tag) {
      case "get":
        return { state, result: state[call.key] ?? 0 };
      case "put":
        return state[call.key] === call.value
          ? { state, result: 0 }
          : { state: { ...state, [call.key]: call.value }, result: 0 };
    }
  },
  partition: partitionByKey<KvCall, number>((call) => call.key),
  describeCall: (interp, call) =>
    call._tag === "get" ? `interp ${interp}: get(${call.key})` : `interp ${interp}: put(${call.key}, ${call.value})`,
  describeResult: (r) => String(r),
  describeState: (s) =>
    `{${Object.keys(s)
      .sort()
      .map((k) => `${k}: ${s[k]}`)
      .join(", ")}}`,
};

/** The same key-value map without `partition`, to compare partitioned and whole-history checks. */
export const kvModelUnpartitioned: Model<KvState, KvCall, number> = (({ partition: _partition, ...rest }) => rest)(kvModel);

/** A call on a mutex. */
export type MutexCall = { readonly _tag: "acquire" } | { readonly _tag: "release" };

/** The result `release` gives an interpreter that does not hold the mutex. */
export const notHeld = -1;

/**
 * A non-recursive mutex; the state is the holder's interp, 0 when free. `acquire` is enabled only
 * when the mutex is free (it blocks otherwise, including for the holder itself: a self-deadlock)
 * and returns 0. `release` by the holder frees it and returns 0; by anyone else it returns
 * `notHeld` and changes nothing.
 */
export const mutexModel: Model<number, MutexCall, number> = {
  init: () => 0,
  step(state, interp, call) {
    switch (call._tag) {
      case "acquire":
        return state === 0 ? { state: interp, result: 0 } : undefined;
      case "release":
        return state === interp ? { state: 0, result: 0 } : { state, result: notHeld };
    }
  },
  hash: (s) => s,
  describeCall: (interp, call) => `interp ${interp}: ${call._tag}()`,
  describeResult: (r) => (r === notHeld ? "NotHeld" : String(r)),
  describeState: (s) => (s === 0 ? "mutex free" : `mutex held by interp ${s}`),
};

/** Any of the example histories. */
export type ExampleOperation = Operation<RegisterCall | KvCall | MutexCall, number>;
