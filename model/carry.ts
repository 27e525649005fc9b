import { carrySlotOf, carrySlots, refSlot, type Result } from "./common.js";
import type { AnyCall } from "./calls.js";

/**
 * The carry of an interpreter: the last index or key it received for each (def, name). A call's
 * references are resolved against it; an unresolvable reference (nothing received yet) becomes 0,
 * which no family accepts as an index.
 */
export const emptyCarry: readonly number[] = new Array<number>(carrySlots).fill(0);

export function resolveCall(call: AnyCall, carry: readonly number[]): AnyCall {
  if ("index" in call) {
    const slot = refSlot(call.index);
    return slot === undefined ? call : { ...call, index: carry[slot] ?? 0 };
  }
  if ("key" in call) {
    const slot = refSlot(call.key);
    return slot === undefined ? call : { ...call, key: carry[slot] ?? 0 };
  }
  return call;
}

/** The carry after a call: an ensure's returned index is remembered for its (def, name). */
export function updateCarry(call: AnyCall, result: Result, carry: readonly number[]): readonly number[] {
  if (result._tag !== "Ok") return carry;
  if (call._tag === "PyThread_EnsureGlobalLock" || call._tag === "PyRuntime_store_ensure") {
    const next = carry.slice();
    next[carrySlotOf(call.def, call.name)] = result.value;
    return next;
  }
  return carry;
}
