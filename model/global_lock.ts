import { Schema } from "effect";
import {
  refTo,
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
  allAlive,
  describeThread,
  interpOf,
  type Ghost,
  type ModelConfig,
  type RuntimeState,
  type StepResult,
  validateConfig,
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
 * Named runtime-global locks — Eric Snow's first sketch (thread.txt, "Return the ID for the
 * requested lock, allocating if necessary"): the runtime owns a registry of locks named by
 * (module def, name); `PyThread_EnsureGlobalLock` returns the lock's index, allocating it if needed;
 * `PyThread_GetGlobalLock` resolves an index after verifying module and name;
 * `PyThread_ReleaseGlobalLock` says the current interpreter no longer needs it. The lock itself is
 * acquired and released with `PyThread_acquire_lock` / `PyThread_release_lock`.
 */

/** Which module instance of the calling interpreter makes the call (D4); absent: instance 1. */
const By = { instance: Schema.optional(Instance) };
const Ref = { def: Def, name: Name, ...By };
/** An index argument; negative values are references resolved before the call (see impl/subject.ts). */
const Index = { def: Def, name: Name, index: Schema.Int, ...By };

export const PyThread_EnsureGlobalLock = Schema.TaggedStruct("PyThread_EnsureGlobalLock", Ref);
export const PyThread_GetGlobalLock = Schema.TaggedStruct("PyThread_GetGlobalLock", Index);
export const PyThread_ReleaseGlobalLock = Schema.TaggedStruct("PyThread_ReleaseGlobalLock", Index);
export const PyThread_acquire_lock = Schema.TaggedStruct("PyThread_acquire_lock", Index);
export const PyThread_release_lock = Schema.TaggedStruct("PyThread_release_lock", Index);
/** The client's critical section: one call into a thread-unsafe C library while holding the lock. */
export const call_unsafe_library = Schema.TaggedStruct("call_unsafe_library", Index);

export const GlobalLockCall = Schema.Union(
  PyThread_EnsureGlobalLock,
  PyThread_GetGlobalLock,
  PyThread_ReleaseGlobalLock,
  PyThread_acquire_lock,
  PyThread_release_lock,
  call_unsafe_library,
  RuntimeCall,
);
export type GlobalLockCall = typeof GlobalLockCall.Type;

/** A lock's payload: which thread holds it (a thread id, D18; 0: nobody) and how many library calls ran under it. */
export interface LockPayload {
  readonly holder: number;
  readonly calls: number;
}

export interface GlobalLockState {
  readonly rt: RuntimeState;
  readonly reg: Registry<LockPayload>;
  readonly ghost: Ghost;
  readonly config: ModelConfig;
}

const freshLock: LockPayload = { holder: 0, calls: 0 };

function init(config: ModelConfig = defaultConfig): GlobalLockState {
  validateConfig(config);
  return { rt: { alive: allAlive(config), finalized: false }, reg: emptyRegistry(config.capacity), ghost: emptyGhost, config };
}

/**
 * `thread` ends its interpreter: locks it holds are force-released (abandoned), the interpreter's
 * ensures dropped. While another thread of the interpreter holds a lock, ending waits for it (D18:
 * `Py_EndInterpreter` first waits for the interpreter's other threads, `wait_for_thread_shutdown`).
 */
function endInterpreter(s: GlobalLockState, thread: number): GlobalLockState | undefined {
  const interp = interpOf(thread);
  if (s.reg.slots.some((e) => e !== null && e.payload.holder !== 0 && e.payload.holder !== thread && interpOf(e.payload.holder) === interp)) return undefined;
  let reg = s.reg;
  let abandoned = 0;
  for (let slot = 0; slot < reg.slots.length; slot++) {
    const e = reg.slots[slot];
    if (!e || !(e.refs & userBitsOf(interp))) continue;
    if (e.payload.holder === thread) {
      abandoned++;
      reg = replaceSlot(reg, slot, { ...e, payload: { ...e.payload, holder: 0 } });
    }
    reg = dropRef(reg, slot, userBitsOf(interp)).registry;
  }
  const ghost = abandoned ? { ...s.ghost, abandoned: s.ghost.abandoned + abandoned } : s.ghost;
  return { ...s, reg, ghost, rt: { ...s.rt, alive: s.rt.alive & ~bit(interp) } };
}

/** Some interpreter holds a lock: it is inside an extension function, which Py_FinalizeEx waits for (D3). */
const holdsAnyLock = (s: GlobalLockState): boolean => s.reg.slots.some((e) => e !== null && e.payload.holder !== 0);

/**
 * One call by `thread` (a thread id, D18: thread 1 of interpreter i is i). The ensure is its
 * interpreter's module instance's; the lock, once acquired, is the thread's: a second thread of
 * the same interpreter blocks on it like any other, only the holding thread re-entering gets
 * `Reentrant`, and only it may release the lock or call the library under it.
 */
function step(s: GlobalLockState, thread: number, call: GlobalLockCall): StepResult<GlobalLockState> | undefined {
  const denied = gate(s.rt, thread, call._tag);
  if (denied) return { state: s, result: err(denied) };
  if (isRuntimeCall(call)) return stepRuntimeCall(s, thread, call._tag, { endInterpreter, finalize: finalizeRegistry, busy: holdsAnyLock });
  const interp = interpOf(thread);
  const user = userBit(interp, call.instance);
  if (call._tag === "PyThread_EnsureGlobalLock") return stepEnsure(s, call.def, call.name, user, freshLock);
  const r = resolve(s.reg, call.index, user, call.def, call.name);
  if (r.kind === "error") return { state: s, result: err(r.error) };
  const { slot, entry } = r;
  const held = entry.payload.holder;
  switch (call._tag) {
    case "PyThread_GetGlobalLock":
      return { state: s, result: ok(call.index) };
    case "PyThread_ReleaseGlobalLock": {
      // The ensure is the interpreter's: none of its threads may be holding the lock (D18).
      if (held !== 0 && interpOf(held) === interp) return { state: s, result: err("LockHeld") };
      return { state: { ...s, reg: dropRef(s.reg, slot, user).registry }, result: ok(0) };
    }
    case "PyThread_acquire_lock": {
      if (held === thread) return { state: s, result: err("Reentrant") };
      if (held !== 0) return undefined; // blocks until the holder releases, a sibling thread too (D18)
      const reg = replaceSlot(s.reg, slot, { ...entry, payload: { ...entry.payload, holder: thread } });
      return { state: { ...s, reg }, result: ok(0) };
    }
    case "PyThread_release_lock": {
      if (held !== thread) return { state: s, result: err("NotHeld") };
      const reg = replaceSlot(s.reg, slot, { ...entry, payload: { ...entry.payload, holder: 0 } });
      return { state: { ...s, reg }, result: ok(0) };
    }
    case "call_unsafe_library": {
      if (held !== thread) return { state: s, result: err("NotHeld") };
      const calls = entry.payload.calls + 1;
      const reg = replaceSlot(s.reg, slot, { ...entry, payload: { holder: held, calls } });
      return { state: { ...s, reg }, result: ok(calls) };
    }
  }
}

function describeCall(thread: number, call: GlobalLockCall): string {
  const who = `in ${describeThread(thread)}${"instance" in call && call.instance !== undefined && call.instance !== 1 ? ` (module instance ${call.instance})` : ""}`;
  switch (call._tag) {
    case "PyThread_EnsureGlobalLock":
      return `PyThread_EnsureGlobalLock(def=${call.def}, "${call.name}") ${who}`;
    case "PyThread_GetGlobalLock":
    case "PyThread_ReleaseGlobalLock":
    case "PyThread_acquire_lock":
    case "PyThread_release_lock":
    case "call_unsafe_library":
      return `${call._tag}(def=${call.def}, "${call.name}", idx=${call.index}) ${who}`;
    default:
      return `${call._tag}() ${who}`;
  }
}

export const globalLockModel: FamilyModel<GlobalLockState, GlobalLockCall> = {
  family: "global_lock",
  title: "Named runtime-global locks (PyThread_EnsureGlobalLock / GetGlobalLock / ReleaseGlobalLock)",
  Call: GlobalLockCall,
  init,
  step,
  key: (s) =>
    `${s.rt.alive}${s.rt.finalized ? "F" : "R"}|${registryKey(s.reg, (p) => `${p.holder}:${p.calls}`)}|${ghostKey(s.ghost)}`,
  ghost: (s) => s.ghost,
  describeCall,
  describeState: (s) =>
    s.rt.finalized
      ? "runtime finalised"
      : describeRegistry(s.reg, (p) => (p.holder ? `, held by ${describeThread(p.holder)}` : "") + `, ${p.calls} library calls`),
  partitionOf: () => undefined, // indices are allocated from one registry: calls on different names interact
};

/** Named runtime-global locks (PyThread_EnsureGlobalLock …): a registry of named locks reached by index. */
export const globalLockProfile = {
  family: "global_lock",
  model: globalLockModel,
  globalState: "registry",
  lockHandleCalls: ["PyThread_acquire_lock", "PyThread_release_lock"],
  usage: {
    open: "PyThread_EnsureGlobalLock",
    close: "PyThread_ReleaseGlobalLock",
    uses: ["PyThread_GetGlobalLock"],
    lock: { acquire: "PyThread_acquire_lock", release: "PyThread_release_lock", inside: ["call_unsafe_library"] },
    // ensure the lock, check the index, take the lock around a library call, release both.
    typical: [
      { _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" },
      { _tag: "PyThread_GetGlobalLock", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
      { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
      { _tag: "call_unsafe_library", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
      { _tag: "PyThread_release_lock", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
      { _tag: "PyThread_ReleaseGlobalLock", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
    ],
    lockHolder: [
      { _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" },
      { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
      { _tag: "call_unsafe_library", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
      { _tag: "PyThread_release_lock", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
    ],
    // stress: ensure once, then the library call under the lock, over and over.
    critical: () => ({
      setup: [{ _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" }],
      body: [
        { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
        { _tag: "call_unsafe_library", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
        { _tag: "PyThread_release_lock", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
      ],
    }),
  },
  fastPaths: [
    {
      setup: [{ _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" }],
      loop: [{ _tag: "PyThread_GetGlobalLock", def: "odbc", name: "henv", index: refTo("odbc", "henv") }],
    },
    {
      setup: [{ _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" }],
      loop: [
        { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
        { _tag: "PyThread_release_lock", def: "odbc", name: "henv", index: refTo("odbc", "henv") },
      ],
    },
  ],
} as const satisfies ModelProfile<GlobalLockCall>;
