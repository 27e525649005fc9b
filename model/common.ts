import { Schema } from "effect";
import { MAX_THREADS_PER_INTERP, interpOf } from "./thread.js";

/**
 * The vocabulary every family shares: who acts, which module defs and names exist, what a call
 * returns, and the errors a misuse gets. Defined once with effect's Schema so the TypeScript type,
 * the JSON codec (reports, history files) and the fast-check arbitrary all come from one place.
 */

/**
 * An interpreter id, 1-based. The acting party of every call is an interpreter running one thread
 * (model/README.md, decision D1): interpreter 1 is the main interpreter.
 */
export const Interp = Schema.Int.pipe(Schema.between(1, 8));
export type Interp = typeof Interp.Type;

/**
 * A thread (decision D18): the acting party of a call. Ensures, counts and module state belong to
 * the thread's interpreter; a held lock belongs to the thread. A thread is named by one integer,
 * its *thread id*: thread k (1-based) of interpreter i is `i + 8·(k − 1)`, so thread 1 of
 * interpreter i is just `i` — every program written before threads existed (one thread per
 * interpreter) means the same thing, and an owner word holding an interpreter id holds that
 * interpreter's first thread.
 */
export { MAX_THREADS_PER_INTERP, describeThread, interpOf, sizeOfThreads, threadId, threadIndexOf, threadsOfSet, withThreads, type Threaded } from "./thread.js";
export const ThreadId = Schema.Int.pipe(Schema.between(1, 8 * MAX_THREADS_PER_INTERP));
export type ThreadId = typeof ThreadId.Type;

/**
 * A module def: the identity of a `PyModuleDef` (C compares the pointer). Two defs are enough for
 * every question the thread raises (same name under another def, several extensions at once).
 */
export const Def = Schema.Literal("odbc", "mylib");
export type Def = typeof Def.Type;
export const defs: readonly Def[] = Def.literals;

/** A lock or key name (C compares the bytes). Three names cover one resource and several resources. */
export const Name = Schema.Literal("henv", "ext1", "ext2");
export type Name = typeof Name.Type;
export const names: readonly Name[] = Name.literals;

/**
 * Every error a call can return. A *misuse* error (everything but the three failures InitFailed,
 * ExecFailed, SetupFailed) changes nothing at all; see model/README.md, decision D2.
 */
export const ErrorCode = Schema.Literal(
  "CapacityExhausted", // the runtime's fixed-size registry is full
  "StaleIndex", // the index or key does not resolve to a live entry (freed, reused, or never valid)
  "NameMismatch", // the index resolves, but to another (def, name)
  "NotEnsured", // this interpreter holds no ensure of that lock or key
  "LockHeld", // releasing an ensure / unloading while this interpreter still holds the lock
  "NotHeld", // unlocking, or calling under, a lock this interpreter does not hold
  "FatalError", // Py_FatalError: PyMutex_Unlock of a mutex that is not locked (the shipped PyMutex, D14)
  "Reentrant", // acquiring a non-recursive lock this interpreter already holds (would self-deadlock)
  "AlreadyImported", // the module is already executed in this interpreter
  "NotImported", // the module is not (or no longer) executed in this interpreter
  "ImportCycle", // global_init imports its own module: detected, not a hang (P6)
  "InitFailed", // global_init / setup reported failure: the import fails, nothing is kept (P5)
  "ExecFailed", // Py_mod_exec failed after global_init succeeded: m_free balanced the count (P3)
  "InterpreterFinalized", // the calling interpreter has been finalised
  "InterpreterAlive", // Py_NewInterpreter on an interpreter slot still in use
  "RuntimeFinalized", // the runtime is finalised; only Py_Initialize is allowed
  "RuntimeInitialized", // Py_Initialize while the runtime is running
  "NotMainInterpreter", // Py_FinalizeEx / Py_Initialize from an interpreter other than the main one
  "MainInterpreter", // Py_EndInterpreter on the main interpreter: only Py_FinalizeEx ends it
);
export type ErrorCode = typeof ErrorCode.Type;

/** The result of a call: Ok with one integer (an index, a key, a handle, a 0/1 flag) or Err. */
export const Ok = Schema.TaggedStruct("Ok", { value: Schema.Int });
export const Err = Schema.TaggedStruct("Err", { error: ErrorCode });
export const Result = Schema.Union(Ok, Err);
export type Result = typeof Result.Type;

export const ok = (value: number): Result => ({ _tag: "Ok", value });
export const err = (error: ErrorCode): Result => ({ _tag: "Err", error });

export function equalResult(a: Result, b: Result): boolean {
  return a._tag === "Ok" ? b._tag === "Ok" && a.value === b.value : b._tag === "Err" && a.error === b.error;
}

export function describeResult(r: Result): string {
  return r._tag === "Ok" ? `${r.value}` : `error ${r.error}`;
}

/**
 * The runtime calls every family shares: interpreter creation and finalisation, runtime
 * finalisation and re-initialisation.
 */
export const Py_NewInterpreter = Schema.TaggedStruct("Py_NewInterpreter", {});
export const Py_EndInterpreter = Schema.TaggedStruct("Py_EndInterpreter", {});
export const Py_FinalizeEx = Schema.TaggedStruct("Py_FinalizeEx", {});
export const Py_Initialize = Schema.TaggedStruct("Py_Initialize", {});
export const RuntimeCall = Schema.Union(Py_NewInterpreter, Py_EndInterpreter, Py_FinalizeEx, Py_Initialize);
export type RuntimeCall = typeof RuntimeCall.Type;
/** The tag of a runtime call. */
export type RuntimeCallTag = RuntimeCall["_tag"];
/** The runtime calls' tags, in one place (implementations and workloads tell runtime calls from family calls by them). */
export const runtimeCallTags = ["Py_NewInterpreter", "Py_EndInterpreter", "Py_FinalizeEx", "Py_Initialize"] as const satisfies readonly RuntimeCallTag[];

/** Sizes of the runtime: how many interpreters exist and how many registry slots the runtime has. */
export interface ModelConfig {
  readonly interpreters: number;
  readonly capacity: number;
  /**
   * Threads per interpreter the implementation must tell apart (D18; absent: 1). The model does not
   * need it — a held lock's holder is a thread id whatever the config — but the implementation
   * looks only for the sibling threads that can exist when an interpreter ends, so a config with
   * one thread per interpreter costs no extra shared-memory access.
   */
  readonly threads?: number;
}
export const defaultConfig: ModelConfig = { interpreters: 3, capacity: 4 };

/** The bounds a config must keep (decision D15): an index keeps its slot in 8 bits; interpreter ids fit `Interp`. */
export const MAX_CAPACITY = 255;
export const MAX_INTERPRETERS = 8;

/**
 * Refuses a config outside the model's bounds (decision D15) with a RangeError naming the limit:
 * capacity 1..255 (an index is `generation × 256 + slot + 1`: the slot lives in its low 8 bits)
 * and 1..8 interpreters (the `Interp` schema). Every family's `init` calls it, so a model never
 * runs on a configuration the implementation's layout would refuse.
 */
export function validateConfig(config: ModelConfig): ModelConfig {
  const { capacity, interpreters } = config;
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
    throw new RangeError(`registry capacity must be 1..${MAX_CAPACITY} (an index keeps the slot in 8 bits), got ${capacity}`);
  }
  if (!Number.isInteger(interpreters) || interpreters < 1 || interpreters > MAX_INTERPRETERS) {
    throw new RangeError(`interpreters must be 1..${MAX_INTERPRETERS}, got ${interpreters}`);
  }
  const threads = config.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS_PER_INTERP) {
    throw new RangeError(`threads per interpreter must be 1..${MAX_THREADS_PER_INTERP}, got ${threads}`);
  }
  return config;
}

/**
 * A StepResult is what a call does in a state: its result and the next state. A step function
 * returns `undefined` instead when the call is not enabled in that state: it blocks there (acquiring
 * a lock another interpreter holds) and would complete only after another interpreter moves.
 */
export interface StepResult<S> {
  readonly state: S;
  readonly result: Result;
}

/**
 * Ghost state: what the properties P1–P9 need and the API does not expose. Counted since the model
 * was created, per module def where it concerns a def's global state.
 */
export interface Ghost {
  /** Per def: how many times global_init / setup ran successfully (one per lifetime epoch). */
  readonly inits: Readonly<Record<Def, number>>;
  /** Per def: how many times global_exit / teardown ran (closing an epoch). */
  readonly exits: Readonly<Record<Def, number>>;
  /** Locks an interpreter still held when it was finalised (force-released by the runtime). */
  readonly abandoned: number;
  /** Registry entries or references still live after runtime finalisation: leaks (P7). */
  readonly leaks: number;
  /**
   * Values owned by an interpreter that were still in process-global storage, reachable by other
   * interpreters, when it died (P4). A value whose storage went away with its owner does not dangle.
   */
  readonly dangling: number;
  /**
   * Store values still set when the runtime deallocated their storage without telling the
   * extension — with the last ensurer's `Py_EndInterpreter`, or at `Py_FinalizeEx`: nobody can
   * free what they point to any more (a leak, P7). A value dropped at a release that returned 1
   * ("you were the last user", D8) is the releaser's to free and is not counted.
   */
  readonly dropped: number;
}

export const emptyGhost: Ghost = {
  inits: { odbc: 0, mylib: 0 },
  exits: { odbc: 0, mylib: 0 },
  abandoned: 0,
  leaks: 0,
  dangling: 0,
  dropped: 0,
};

export function ghostKey(g: Ghost): string {
  return `${g.inits.odbc},${g.inits.mylib},${g.exits.odbc},${g.exits.mylib},${g.abandoned},${g.leaks},${g.dangling},${g.dropped}`;
}

/** The ghost as named counters (`odbc.inits`, `abandoned`, …), for tests and reports that compare a few of them. */
export function ghostSummary(g: Ghost): Record<string, number> {
  const out: Record<string, number> = { abandoned: g.abandoned, leaks: g.leaks, dangling: g.dangling, dropped: g.dropped };
  for (const def of defs) {
    out[`${def}.inits`] = g.inits[def];
    out[`${def}.exits`] = g.exits[def];
  }
  return out;
}

export function bumpDef(counts: Readonly<Record<Def, number>>, def: Def): Record<Def, number> {
  return def === "odbc" ? { odbc: counts.odbc + 1, mylib: counts.mylib } : { odbc: counts.odbc, mylib: counts.mylib + 1 };
}

/**
 * The runtime part of every family's state: which interpreters are alive (a bitmask, bit i-1 for
 * interpreter i) and whether the runtime is finalised.
 */
export interface RuntimeState {
  readonly alive: number;
  readonly finalized: boolean;
}

export const bit = (interp: number): number => 1 << (interp - 1);

/**
 * A module instance of its interpreter, for the registry families (decision D4): CPython lets one
 * interpreter hold several module objects of one def, and an ensure belongs to the instance that
 * made it. Two instances are enough to show one instance's release under another's feet. A call
 * that names no instance is made by instance 1.
 */
export const INSTANCES = 2;
export const Instance = Schema.Literal(1, 2);
export type Instance = typeof Instance.Type;
/** The registry's user bit of module instance `instance` of interpreter `interp` (bit (interp−1)·2 + instance−1). */
export const userBit = (interp: number, instance: number = 1): number => 1 << ((interp - 1) * INSTANCES + (instance - 1));
/** Every user bit of interpreter `interp`: all its module instances. */
export const userBitsOf = (interp: number): number => ((1 << INSTANCES) - 1) << ((interp - 1) * INSTANCES);
/** The user bits of every interpreter in an ALIVE bitmask. */
export function userBitsOfAlive(alive: number): number {
  let bits = 0;
  for (let i = 1; i <= 8; i++) if (alive & bit(i)) bits |= userBitsOf(i);
  return bits;
}
/** "interp 2" or "interp 2 (instance 2)": who a registry user bit is, for reports. */
export function describeUser(b: number): string {
  const k = 31 - Math.clz32(b);
  const interp = Math.floor(k / INSTANCES) + 1;
  const instance = (k % INSTANCES) + 1;
  return instance === 1 ? `${interp}` : `${interp}#${instance}`;
}
export const allAlive = (config: ModelConfig): number => (1 << config.interpreters) - 1;

/**
 * The gate every call passes first: a finalised runtime accepts only Py_Initialize from the main
 * interpreter; a finalised interpreter accepts only Py_NewInterpreter. Returns the error, if any.
 */
export function gate(rt: RuntimeState, thread: number, tag: string): ErrorCode | undefined {
  const interp = interpOf(thread);
  if (rt.finalized) {
    if (tag !== "Py_Initialize") return "RuntimeFinalized";
    return interp === 1 ? undefined : "NotMainInterpreter";
  }
  if (tag === "Py_Initialize") return "RuntimeInitialized";
  const alive = (rt.alive & bit(interp)) !== 0;
  if (tag === "Py_NewInterpreter") return alive ? "InterpreterAlive" : undefined;
  if (!alive) return "InterpreterFinalized";
  if (tag === "Py_FinalizeEx" && interp !== 1) return "NotMainInterpreter";
  if (tag === "Py_EndInterpreter" && interp === 1) return "MainInterpreter";
  return undefined;
}

/**
 * The subinterpreters still alive, in the order `Py_FinalizeEx` ends them (decision D3: CPython's
 * `finalize_subinterpreters()` walks the interpreter list and calls `Py_EndInterpreter` on each).
 */
export function liveSubinterpreters(rt: RuntimeState): number[] {
  const out: number[] = [];
  for (let i = 2; i <= MAX_INTERPRETERS; i++) if (rt.alive & bit(i)) out.push(i);
  return out;
}

/** An index (or store key) names a registry slot and the slot's generation; 0 is never valid. */
export const INDEX_SLOT_RADIX = 256;
export const encodeIndex = (slot: number, generation: number): number => generation * INDEX_SLOT_RADIX + slot + 1;
export function decodeIndex(index: number): { slot: number; generation: number } | undefined {
  if (!Number.isInteger(index) || index <= 0) return undefined;
  const raw = index - 1;
  return { slot: raw % INDEX_SLOT_RADIX, generation: Math.floor(raw / INDEX_SLOT_RADIX) };
}

/**
 * A reference to a carried value: a negative index or key in a program means "the index this
 * interpreter last received for (def, name)". Programs use references because real indices depend
 * on the schedule; the reference is resolved before the call is made and histories record the
 * resolved value. The carry of an interpreter holds one slot per (def, name).
 */
export const carrySlots = defs.length * names.length;
export const carrySlotOf = (def: Def, name: Name): number => defs.indexOf(def) * names.length + names.indexOf(name);
export const refTo = (def: Def, name: Name): number => -(1 + carrySlotOf(def, name));
/** The carry slot a reference points at, or undefined for a plain (non-negative) value. */
export function refSlot(index: number): number | undefined {
  return index < 0 && index >= -carrySlots ? -index - 1 : undefined;
}

/** The parts of a family's state the runtime calls act on. */
export interface RuntimeParts {
  readonly rt: RuntimeState;
  readonly ghost: Ghost;
  readonly config: ModelConfig;
}

/**
 * The runtime calls, the same in every family (after `gate`): a family says only how an interpreter
 * ends, whether one of its interpreters is busy inside the extension, and what runtime finalisation
 * leaves behind. Like a family's `step`, returns undefined when the call is not enabled.
 *
 * `Py_FinalizeEx` (decision D3) is CPython 3.13+'s: it first waits for the threads still running
 * in an interpreter (`wait_for_thread_shutdown`; in the model, an interpreter holding a client
 * lock is inside an extension function the model splits into steps: `busy`), then ends every
 * subinterpreter still alive as `Py_EndInterpreter` would (`finalize_subinterpreters()`, which
 * warns "remaining subinterpreters; destroy them with _interpreters.destroy()"), then the main
 * interpreter, and counts whatever is still live as leaks (P7).
 */
export function stepRuntimeCall<S extends RuntimeParts>(
  s: S,
  thread: number,
  tag: RuntimeCall["_tag"],
  family: {
    /**
     * The interpreter of `thread` ends, `thread` being the one that ends it: everything the
     * interpreter and its threads still hold is let go (D13, D18); undefined when ending cannot
     * proceed yet — the shipped baseline's m_free waits for a PyMutex somebody holds (D14), and
     * an owner-tracking lock held by another thread of the interpreter is waited for (D18).
     */
    endInterpreter(s: S, thread: number): S | undefined;
    /** After every interpreter ended: what is still live (leaks, P7), and the state with it freed. */
    finalize(s: S): { readonly state: S; readonly leaks: number };
    /** True while some interpreter holds a client lock: it is mid-way through an extension function (D3). */
    busy?(s: S): boolean;
  },
): StepResult<S> | undefined {
  const interp = interpOf(thread);
  switch (tag) {
    case "Py_NewInterpreter":
      return { state: { ...s, rt: { ...s.rt, alive: s.rt.alive | bit(interp) } }, result: ok(0) };
    case "Py_EndInterpreter": {
      const ended = family.endInterpreter(s, thread);
      return ended && { state: ended, result: ok(0) };
    }
    case "Py_FinalizeEx": {
      if (family.busy?.(s)) return undefined;
      let ended: S | undefined = s;
      for (const sub of liveSubinterpreters(s.rt)) {
        ended = family.endInterpreter(ended, sub);
        if (ended === undefined) return undefined;
      }
      ended = family.endInterpreter(ended, interp === 1 ? thread : 1);
      if (ended === undefined) return undefined;
      const f = family.finalize(ended);
      const ghost = f.leaks ? { ...f.state.ghost, leaks: f.state.ghost.leaks + f.leaks } : f.state.ghost;
      return { state: { ...f.state, ghost, rt: { alive: 0, finalized: true } }, result: ok(0) };
    }
    case "Py_Initialize":
      return { state: { ...s, rt: { alive: allAlive(s.config), finalized: false } }, result: ok(0) };
  }
}

const runtimeTags: ReadonlySet<string> = new Set(runtimeCallTags);
export const isRuntimeCall = (call: { readonly _tag: string }): call is RuntimeCall => runtimeTags.has(call._tag);
