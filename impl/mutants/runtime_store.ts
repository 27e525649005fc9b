/**
 * Mutants of the runtime store keys (impl/runtime_store.ts, Eric Snow's `PyRuntime_store_*`
 * sketch after `Py_tss_*`).
 */
import { decodeIndex, encodeIndex, refTo, type ModelConfig, type RuntimeStoreCall } from "../../model/index.js";
import { SlotState } from "../layout.js";
import { load, store, type Code } from "../memory.js";
import type { Resolution } from "../registry.js";
import { runtime_store, RuntimeStore } from "../runtime_store.js";
import { mutantName, widen, type Mutant } from "./mutant.js";

const key = refTo("odbc", "henv");
const ensure: RuntimeStoreCall = { _tag: "PyRuntime_store_ensure", def: "odbc", name: "henv" };

/** Key resolution without the "did the caller ensure it" check. */
export class ReleaseByNonEnsurer extends RuntimeStore {
  override *resolve(index: number, user: number): Code<Resolution> {
    const at = decodeIndex(index);
    if (at === undefined || at.slot >= this.layout.capacity) return { error: "StaleIndex" };
    const s = this.layout.slot(at.slot);
    if ((yield load(s.state)) !== SlotState.live || (yield load(s.gen)) !== at.generation) return { error: "StaleIndex" };
    // The mutation: no `refs & user` test — any interpreter holding the number may use the key.
    void user;
    return { slot: at.slot };
  }
}

/**
 * PyRuntime_store_delete that treats "the extension freed what the value points to" as the whole
 * job: it clears the owner but leaves the key set to the freed pointer.
 */
export class DeleteKeepsValue extends RuntimeStore {
  override *delete(slot: number): Code<void> {
    const s = this.layout.slot(slot);
    if ((yield load(s.isSet)) === 0) return;
    // The mutation: ISSET and VALUE are not cleared.
    yield store(s.owner, 0);
  }
}

/** Py_EndInterpreter that forgets the keys the ending interpreter ensured. */
export class EndForgetsKeys extends RuntimeStore {
  protected override *endEntry(slot: number, interp: number): Code<void> {
    yield* this.accountEnding(slot, interp);
    // The mutation: the interpreter's ensure (bit in REFS) is not dropped, so the entry never frees.
  }
}

/** PyRuntime_store_release as sketched, `void`: it deallocates the last user's key without saying so. */
export class ReleaseNeverSaysLast extends RuntimeStore {
  override *dropRef(slot: number, interp: number): Code<boolean> {
    yield* super.dropRef(slot, interp);
    // The mutation: the caller is never told it was the last user.
    return false;
  }
}

const subject = (id: string, make: (config: ModelConfig) => RuntimeStore) => (config: ModelConfig) =>
  widen(runtime_store(config, make(config), mutantName("runtime_store", id)));

export const runtimeStoreMutants: readonly Mutant[] = [
  {
    id: "release-by-non-ensurer",
    family: "runtime_store",
    hazard:
      "Release in one interpreter of a key ensured only by another, accepted: \"Indicate that the lock is no longer needed in the current interpreter\" is applied to an interpreter that never needed it, and the true user's key can be freed under it.",
    property: "P3",
    description: "Key resolution checks liveness and generation but not that the calling interpreter ensured the key.",
    subject: subject("release-by-non-ensurer", (c) => new ReleaseByNonEnsurer(c)),
    // interp 2 names the key interp 1 received (slot 0, generation 0) by its number.
    programs: [[ensure], [{ _tag: "PyRuntime_store_release", key: encodeIndex(0, 0) }]],
    expected: { via: "model", properties: ["P3"] },
  },
  {
    id: "delete-keeps-value",
    family: "runtime_store",
    hazard:
      "Store delete racing get, so get returns a value already freed: after the extension frees what the key points to and deletes it, a get still hands out the freed pointer.",
    property: "P2",
    description: "PyRuntime_store_delete clears the value's owner but leaves ISSET and VALUE, so the key still holds the freed pointer.",
    subject: subject("delete-keeps-value", (c) => new DeleteKeepsValue(c)),
    programs: [
      [ensure, { _tag: "PyRuntime_store_set", key, value: 7, owner: "raw" }, { _tag: "PyRuntime_store_delete", key }, { _tag: "PyRuntime_store_get", key }],
    ],
    expected: { via: "model", properties: ["agreement"] },
  },
  {
    id: "release-never-says-last",
    family: "runtime_store",
    hazard:
      "A release that does not say who was last (the sketch's `void PyRuntime_store_release`): the extension cannot tell whether to free what the value points to, so it either frees it under another user (use-after-free) or never (a leak).",
    property: "P2",
    description: "PyRuntime_store_release deallocates the key on the last release but returns 0, as if another interpreter still used it.",
    subject: subject("release-never-says-last", (c) => new ReleaseNeverSaysLast(c)),
    programs: [[ensure, { _tag: "PyRuntime_store_release", key }]],
    expected: { via: "model", properties: ["P2"] },
  },
  {
    id: "end-forgets-keys",
    family: "runtime_store",
    hazard:
      "Interpreter finalisation that forgets the keys it holds: the entry outlives its last user (a leak at runtime finalisation — \"the runtime should own the lock/key lifetime and clean up\").",
    property: "P7",
    description: "Py_EndInterpreter keeps the ending interpreter's ensure of every key instead of dropping it.",
    subject: subject("end-forgets-keys", (c) => new EndForgetsKeys(c)),
    // interp 1 (main) only has to exist; interp 2 ends, comes back as a fresh interpreter and ensures again.
    programs: [[], [ensure, { _tag: "Py_EndInterpreter" }, { _tag: "Py_NewInterpreter" }, ensure]],
    expected: { via: "model", properties: ["P1"] },
  },
];
