/**
 * A Jepsen cas-register, written as a user of `interlock check-history --model` would: copy this
 * file, change what differs. It checks histories read from Jepsen EDN, Jepsen-style JSON lines, or
 * a plain call/return log whose calls look like Jepsen's:
 *
 *   call   { "f": "read", "value": null }   → result: the value read (null = never written)
 *   call   { "f": "write", "value": 3 }     → result: 3 (Jepsen echoes the value)
 *   call   { "f": "cas", "value": [3, 4] }  → result: [3, 4] (a `:fail` cas did not happen and is
 *                                             dropped by the reader, as Knossos does)
 *
 * A crashed (`:info`) operation is pending: it may have taken effect or not, and the checker tries
 * both. The state is the register's value, so `hash` is the value itself: states compare in O(1).
 *
 *   interlock check-history history.edn --model properties/checker/examples/register.ts
 */
import type { Model } from "../types.js";

/** A register's value; null until the first write (a Jepsen register starts as nil). */
export type RegisterValue = number | string | null;

/** A Jepsen register operation as the readers give it. */
export interface RegisterCall {
  readonly f: "read" | "write" | "cas";
  readonly value: RegisterValue | readonly [RegisterValue, RegisterValue];
}

const model: Model<RegisterValue, RegisterCall, unknown> = {
  init: () => null,
  step(state, _process, call) {
    switch (call.f) {
      case "read":
        return { state, result: state };
      case "write":
        return { state: call.value as RegisterValue, result: call.value };
      case "cas": {
        const [from, to] = call.value as readonly [RegisterValue, RegisterValue];
        // Only successful cas calls reach the checker; one that cannot succeed here is not enabled.
        return state === from ? { state: to, result: call.value } : undefined;
      }
    }
  },
  // A read's result is a value, a write's and a cas's echo the call: compare as JSON-ish values.
  equalResult: (modelResult, observed) =>
    Array.isArray(modelResult) && Array.isArray(observed)
      ? modelResult[0] === observed[0] && modelResult[1] === observed[1]
      : modelResult === observed,
  hash: (s) => (s === null ? "nil" : typeof s === "number" ? s : `s:${s}`),
  equal: (a, b) => a === b,
  describeCall: (process, call) =>
    call.f === "read" ? `process ${process}: read` : `process ${process}: ${call.f} ${JSON.stringify(call.value)}`,
  describeResult: (r) => JSON.stringify(r),
  describeState: (s) => `register = ${JSON.stringify(s)}`,
};

export default model;

/**
 * A random register call over the values 1..`values` (45 % reads, 40 % writes, 15 % cas): the
 * workload the tests and the benchmark generate histories with (random-history.ts).
 */
export function randomRegisterCall(random: () => number, values: number): RegisterCall {
  const pick = random();
  const v = 1 + Math.floor(random() * values);
  if (pick < 0.45) return { f: "read", value: null };
  if (pick < 0.85) return { f: "write", value: v };
  return { f: "cas", value: [1 + Math.floor(random() * values), v] };
}
