import { Schema } from "effect";
import {
  refTo,
  allAlive,
  bit,
  Def,
  Instance,
  userBit,
  userBitsOf,
  defaultConfig,
  emptyGhost,
  err,
  isRuntimeCall,
  stepRuntimeCall,
  gate,
  ghostKey,
  Name,
  ok,
  RuntimeCall,
  type Ghost,
  type ModelConfig,
  type RuntimeState,
  type StepResult,
  validateConfig,
  describeThread,
  interpOf,
} from "./common.js";
import type { FamilyModel } from "./family.js";
import type { ModelProfile } from "./profile.js";
import {
  describeRegistry,
  dropRef,
  emptyRegistry,
  finalizeRegistry,
  stepEnsure,
  registryKey,
  replaceSlot,
  resolve,
  type Registry,
} from "./registry.js";

/**
 * Runtime store keys — Eric Snow's second sketch, after `Py_tss_*` (thread.txt, "a general
 * mechanism to store process-global state for an extension but protected/managed by the
 * runtime"): `PyRuntime_store_ensure(def, name)` returns a key, creating it if necessary;
 * `PyRuntime_store_release(key)` deallocates the key and its storage when no interpreter uses it
 * and then returns 1 — "you were the last user: free what the value points to" (decision D8);
 * `is_set` / `set` / `get` / `delete` read and write the one value stored under the key.
 */

/** Which module instance of the calling interpreter makes the call (D4); absent: instance 1. */
const By = { instance: Schema.optional(Instance) };
/** A key argument (the key's index; negative values are references, see `refTo`). */
const Key = { key: Schema.Int, ...By };
/**
 * Who owns a stored value: "raw" memory belongs to the process (PyMem_RawMalloc), "interp" memory
 * to the calling interpreter (an object of its allocator). The runtime cannot tell them apart, so
 * both are accepted; the ghost records an interpreter-owned value left behind when its owner dies
 * (P4).
 */
export const ValueOwner = Schema.Literal("raw", "interp");

export const PyRuntime_store_ensure = Schema.TaggedStruct("PyRuntime_store_ensure", { def: Def, name: Name, ...By });
export const PyRuntime_store_release = Schema.TaggedStruct("PyRuntime_store_release", Key);
export const PyRuntime_store_is_set = Schema.TaggedStruct("PyRuntime_store_is_set", Key);
export const PyRuntime_store_set = Schema.TaggedStruct("PyRuntime_store_set", {
  key: Schema.Int,
  value: Schema.Int.pipe(Schema.between(0, 1000)),
  owner: ValueOwner,
  ...By,
});
export const PyRuntime_store_get = Schema.TaggedStruct("PyRuntime_store_get", Key);
export const PyRuntime_store_delete = Schema.TaggedStruct("PyRuntime_store_delete", Key);

export const RuntimeStoreCall = Schema.Union(
  PyRuntime_store_ensure,
  PyRuntime_store_release,
  PyRuntime_store_is_set,
  PyRuntime_store_set,
  PyRuntime_store_get,
  PyRuntime_store_delete,
  RuntimeCall,
);
export type RuntimeStoreCall = typeof RuntimeStoreCall.Type;

/** The storage of one key: whether a value is set (even NULL), the value, and its owner (0 = raw). */
export interface StoreSlot {
  readonly isSet: boolean;
  readonly value: number;
  readonly owner: number;
}

export interface RuntimeStoreState {
  readonly rt: RuntimeState;
  readonly reg: Registry<StoreSlot>;
  readonly ghost: Ghost;
  readonly config: ModelConfig;
}

const empty: StoreSlot = { isSet: false, value: 0, owner: 0 };

function init(config: ModelConfig = defaultConfig): RuntimeStoreState {
  validateConfig(config);
  return { rt: { alive: allAlive(config), finalized: false }, reg: emptyRegistry(config.capacity), ghost: emptyGhost, config };
}

/**
 * An ending interpreter drops its ensures. A value it owns that stays reachable in storage other
 * interpreters still ensure now dangles (P4); a value still set in storage that goes away with
 * this interpreter's ensure is dropped unseen — nobody was told to free it (D8, ghost `dropped`).
 */
function endInterpreter(s: RuntimeStoreState, thread: number): RuntimeStoreState {
  const interp = interpOf(thread);
  let reg = s.reg;
  let dangling = 0;
  let dropped = 0;
  for (let slot = 0; slot < reg.slots.length; slot++) {
    const e = reg.slots[slot];
    if (!e) continue;
    const survives = (e.refs & ~userBitsOf(interp)) !== 0;
    if (!survives) {
      if (e.payload.isSet) dropped++;
    } else if (e.payload.isSet && e.payload.owner === interp) {
      dangling++;
      reg = replaceSlot(reg, slot, { ...e, payload: { ...e.payload, owner: 0 } });
    }
    if (e.refs & userBitsOf(interp)) reg = dropRef(reg, slot, userBitsOf(interp)).registry;
  }
  const ghost = dangling || dropped ? { ...s.ghost, dangling: s.ghost.dangling + dangling, dropped: s.ghost.dropped + dropped } : s.ghost;
  return { ...s, reg, ghost, rt: { ...s.rt, alive: s.rt.alive & ~bit(interp) } };
}

/** One call by `thread` (D18): keys, ensures and interpreter-owned values belong to its interpreter. */
function step(s: RuntimeStoreState, thread: number, call: RuntimeStoreCall): StepResult<RuntimeStoreState> | undefined {
  const interp = interpOf(thread);
  const denied = gate(s.rt, thread, call._tag);
  if (denied) return { state: s, result: err(denied) };
  if (isRuntimeCall(call)) return stepRuntimeCall(s, thread, call._tag, { endInterpreter, finalize: finalizeRegistry });
  const user = userBit(interp, call.instance);
  if (call._tag === "PyRuntime_store_ensure") return stepEnsure(s, call.def, call.name, user, empty);
  const r = resolve(s.reg, call.key, user);
  if (r.kind === "error") return { state: s, result: err(r.error) };
  const { slot, entry } = r;
  const v = entry.payload;
  const put = (payload: StoreSlot): RuntimeStoreState => ({ ...s, reg: replaceSlot(s.reg, slot, { ...entry, payload }) });
  switch (call._tag) {
    case "PyRuntime_store_release": {
      // 1: the caller was the last user and the key and its storage are gone (D8).
      const { registry, freed } = dropRef(s.reg, slot, user);
      return { state: { ...s, reg: registry }, result: ok(freed ? 1 : 0) };
    }
    case "PyRuntime_store_is_set":
      return { state: s, result: ok(v.isSet ? 1 : 0) };
    case "PyRuntime_store_get":
      return { state: s, result: ok(v.isSet ? v.value : 0) };
    case "PyRuntime_store_set":
      return { state: put({ isSet: true, value: call.value, owner: call.owner === "interp" ? interp : 0 }), result: ok(0) };
    case "PyRuntime_store_delete":
      return { state: v.isSet ? put(empty) : s, result: ok(0) };
  }
}

function describeCall(thread: number, call: RuntimeStoreCall): string {
  const who = `in ${describeThread(thread)}${"instance" in call && call.instance !== undefined && call.instance !== 1 ? ` (module instance ${call.instance})` : ""}`;
  switch (call._tag) {
    case "PyRuntime_store_ensure":
      return `PyRuntime_store_ensure(def=${call.def}, "${call.name}") ${who}`;
    case "PyRuntime_store_set":
      return `PyRuntime_store_set(key=${call.key}, ${call.owner === "raw" ? "raw" : "interp-owned"} value ${call.value}) ${who}`;
    case "PyRuntime_store_release":
    case "PyRuntime_store_is_set":
    case "PyRuntime_store_get":
    case "PyRuntime_store_delete":
      return `${call._tag}(key=${call.key}) ${who}`;
    default:
      return `${call._tag}() ${who}`;
  }
}

export const runtimeStoreModel: FamilyModel<RuntimeStoreState, RuntimeStoreCall> = {
  family: "runtime_store",
  title: "Runtime store keys (PyRuntime_store_ensure / release / is_set / set / get / delete)",
  Call: RuntimeStoreCall,
  init,
  step,
  key: (s) =>
    `${s.rt.alive}${s.rt.finalized ? "F" : "R"}|${registryKey(s.reg, (p) => (p.isSet ? `${p.value}:${p.owner}` : "unset"))}|${ghostKey(s.ghost)}`,
  ghost: (s) => s.ghost,
  describeCall,
  describeState: (s) =>
    s.rt.finalized
      ? "runtime finalised"
      : describeRegistry(s.reg, (p) => (p.isSet ? `, value ${p.value}${p.owner ? ` owned by interp ${p.owner}` : ""}` : ", no value")),
  partitionOf: () => undefined, // keys are allocated from one registry: calls on different names interact
};

/** The runtime store (PyRuntime_store_*): a registry of named values reached by key. */
export const runtimeStoreProfile = {
  family: "runtime_store",
  model: runtimeStoreModel,
  globalState: "registry",
  runtimeCounts: "every-resource",
  usage: {
    open: "PyRuntime_store_ensure",
    close: "PyRuntime_store_release",
    uses: ["PyRuntime_store_set", "PyRuntime_store_get", "PyRuntime_store_is_set", "PyRuntime_store_delete"],
    // ensure the key, publish a raw value, read it back, release the key.
    typical: [
      { _tag: "PyRuntime_store_ensure", def: "odbc", name: "henv" },
      { _tag: "PyRuntime_store_set", key: refTo("odbc", "henv"), value: 7, owner: "raw" },
      { _tag: "PyRuntime_store_get", key: refTo("odbc", "henv") },
      { _tag: "PyRuntime_store_release", key: refTo("odbc", "henv") },
    ],
    // stress (store churn): publish and read a value under a key held for the whole run.
    critical: (thread) => ({
      setup: [{ _tag: "PyRuntime_store_ensure", def: "odbc", name: "henv" }],
      body: [
        { _tag: "PyRuntime_store_set", key: refTo("odbc", "henv"), value: thread, owner: "raw" },
        { _tag: "PyRuntime_store_get", key: refTo("odbc", "henv") },
        { _tag: "PyRuntime_store_is_set", key: refTo("odbc", "henv") },
      ],
    }),
  },
  fastPaths: [
    {
      setup: [{ _tag: "PyRuntime_store_ensure", def: "odbc", name: "henv" }, { _tag: "PyRuntime_store_set", key: refTo("odbc", "henv"), value: 7, owner: "raw" }],
      loop: [{ _tag: "PyRuntime_store_get", key: refTo("odbc", "henv") }],
    },
  ],
} as const satisfies ModelProfile<RuntimeStoreCall>;
