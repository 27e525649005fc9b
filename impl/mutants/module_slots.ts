/**
 * Mutants of the module-slot family (impl/module_slots.ts: the runtime runs Py_mod_global_init on
 * 0→1 and Py_mod_global_exit on 1→0 under a per-def lifecycle lock, Erlend's `PyModule_ExecDef` /
 * `unload_module` pseudo-code). Each class overrides one step of `ModuleSlots`; where the broken
 * step touches words the correct code declares lock-protected, it also withdraws that declaration
 * (`protections`, `writeProtections`), so the explorer schedules those accesses and the
 * counterexample shows the real consequence through the model rather than only a discipline break.
 */
import { bit, defs, err, ok, type Def, type ModelConfig, type ModuleSlotsCall, type Result } from "../../model/index.js";
import type { LifecycleOp } from "../../model/lifecycle.js";
import { clearBits, increment, load, setBits, store, type Code } from "../memory.js";
import { module_slots, ModuleSlots } from "../module_slots.js";
import { lockOrDie, unlockOrDie } from "../runtime.js";
import { claimsWithout, mutantName, widen, type Mutant } from "./mutant.js";

type ImportOp = Extract<LifecycleOp, { op: "import" }>;

const exec = (def: Def = "odbc", initFails = false): ModuleSlotsCall => ({ _tag: "PyModule_ExecDef", def, initFails, execFails: false, initImportsSelf: false });
const unload = (def: Def = "odbc"): ModuleSlotsCall => ({ _tag: "unload_module", def });
const use = (def: Def = "odbc"): ModuleSlotsCall => ({ _tag: "use_global_state", def });
/** The same call by the interpreter's second module instance of the def. */
const second = (c: ModuleSlotsCall): ModuleSlotsCall => ({ ...c, instance: 2 }) as ModuleSlotsCall;

/** global_init decided by an unlocked check of the refcount, then the lock taken only to count. */
export class UnlockedCheckThenAct extends ModuleSlots {
  override *importModule(interp: number, o: ImportOp): Code<Result> {
    const d = this.block(o.def);
    if (yield* this.isImporter(o.def, interp)) return err("AlreadyImported");
    // The mutation: "is anybody there?" asked without the lock, then acted on.
    const first = (yield load(d.count)) === 0;
    if (first) {
      const failed = yield* this.globalInit(interp, o);
      if (failed !== undefined) return err(failed);
    }
    yield* lockOrDie(d.inner, interp, `${o.def}'s lifecycle lock`);
    yield* this.countUp(o.def, interp);
    let result = ok(first ? 1 : 0);
    if (o.execFails) {
      yield* this.release(o.def, interp);
      result = err("ExecFailed");
    }
    yield* unlockOrDie(d.inner, interp, `${o.def}'s lifecycle lock`);
    return result;
  }
  /** The count and the global state are read and written without the lock now: no claim on them. */
  override protections(): ReadonlyMap<number, number> {
    return claimsWithout(super.protections(), defs.flatMap((def) => [this.block(def).count, this.block(def).phase, this.block(def).epoch]));
  }
  /** global_init now writes the handle without the lock. */
  override writeProtections(): ReadonlyMap<number, number> {
    return claimsWithout(super.writeProtections(), defs.flatMap((def) => [this.block(def).handle]));
  }
}

/** global_exit run after the lifecycle lock is dropped, so it can overlap a new import's global_init. */
export class ExitOutsideLock extends ModuleSlots {
  override *unloadModule(interp: number, def: Def): Code<Result> {
    if (!(yield* this.isImporter(def, interp))) return err("NotImported");
    const d = this.block(def);
    yield* lockOrDie(d.inner, interp, `${def}'s lifecycle lock`);
    const left = yield* this.countDown(def, interp);
    yield* unlockOrDie(d.inner, interp, `${def}'s lifecycle lock`);
    if (left !== 0) return ok(0);
    // The mutation: the 1→0 decision was made under the lock, the teardown runs after it.
    yield* this.globalExit(def);
    return ok(1);
  }
  /** global_exit now writes PHASE and the exit counter without the lock. */
  override protections(): ReadonlyMap<number, number> {
    return claimsWithout(super.protections(), defs.flatMap((def) => [this.block(def).phase, this.block(def).exits]));
  }
  /** global_exit now clears the handle without the lock. */
  override writeProtections(): ReadonlyMap<number, number> {
    return claimsWithout(super.writeProtections(), defs.flatMap((def) => [this.block(def).handle]));
  }
}

/** unload_module's refcount decrement as a load followed by a store, on a lock-free fast path. */
export class RefcountLoadStore extends ModuleSlots {
  override *unloadModule(interp: number, def: Def): Code<Result> {
    if (!(yield* this.isImporter(def, interp))) return err("NotImported");
    const d = this.block(def);
    yield clearBits(d.importers, bit(interp));
    // The mutation: `count -= 1` as two accesses; an atomic sub would return the old value at once.
    const left = (yield load(d.count)) - 1;
    yield store(d.count, left);
    if (left !== 0) return ok(0);
    yield* lockOrDie(d.inner, interp, `${def}'s lifecycle lock`);
    yield* this.globalExit(def);
    yield* unlockOrDie(d.inner, interp, `${def}'s lifecycle lock`);
    return ok(1);
  }
  /** COUNT is now written without the lock. */
  override protections(): ReadonlyMap<number, number> {
    return claimsWithout(super.protections(), defs.flatMap((def) => [this.block(def).count]));
  }
  /** The importer bit is now cleared without the lock. */
  override writeProtections(): ReadonlyMap<number, number> {
    return claimsWithout(super.writeProtections(), defs.flatMap((def) => [this.block(def).importers]));
  }
}

/**
 * Py_FinalizeEx ends the main interpreter by forgetting its module instances (importer bits
 * cleared) without unloading them: the def's refcount — its "initialised" state — survives
 * finalisation, and after Py_Initialize an import finds it already set.
 */
export class FinalizeKeepsRefcount extends ModuleSlots {
  // The mutation: instead of endEffects (unload every instance, global_exit on the last), only
  // the main interpreter's importer bits are cleared; COUNT and the global state stay.
  protected override *endMainForFinalize(): Code<void> {
    const MAIN = 1;
    for (const def of defs) if (yield* this.isImporter(def, MAIN)) yield clearBits(this.block(def).importers, bit(MAIN));
  }
}

/**
 * The refcount counted per interpreter, not per module instance: a second module object of the def
 * in the same interpreter is not counted, so the first one's m_free runs global_exit under it.
 */
export class InstancesCountedPerInterpreter extends ModuleSlots {
  override *countUp(def: Def, interp: number, instance = 1): Code<void> {
    // The mutation: the count grows only with the interpreter's first instance.
    const other = yield* this.isImporter(def, interp, instance === 1 ? 2 : 1);
    if (!other) yield increment(this.block(def).count, 1);
    yield setBits(this.importersOf(def, instance), bit(interp));
  }
}

/**
 * A family call does not mark its interpreter BUSY, so Py_FinalizeEx can end a subinterpreter in
 * the middle of one of its calls: the call finishes on a runtime that was finalised under it.
 */
export class CallsNeverBusy extends ModuleSlots {
  override *busyCall(interp: number, call: ModuleSlotsCall): Code<Result> {
    yield* this.lockRuntime(interp);
    const denied = yield* this.gate(interp, call._tag);
    yield* this.unlockRuntime(interp);
    // The mutation: the BUSY bit is never set, so the finaliser does not wait for this call.
    return denied !== undefined ? err(denied) : yield* this.familyCall(interp, call);
  }
}

const subject = (id: string, make: (config: ModelConfig) => ModuleSlots) => (config: ModelConfig) =>
  widen(module_slots(config, make(config), mutantName("module_slots", id)));

export const moduleSlotsMutants: readonly Mutant[] = [
  {
    id: "unlocked-check-then-act",
    family: "module_slots",
    hazard:
      "Double initialisation: without a GIL shared between interpreters, two interpreters importing the same extension both see `global_state_refcnt(def) == 0` and both run global_init (both set up the ODBC `henv`).",
    property: "P1",
    description: "PyModule_ExecDef reads the refcount and runs global_init before taking the per-def lifecycle lock, which it takes only to count the instance.",
    subject: subject("unlocked-check-then-act", (c) => new UnlockedCheckThenAct(c)),
    programs: [[exec()], [exec()]],
    expected: { via: "model", properties: ["P1"] },
  },
  {
    id: "exit-outside-lock",
    family: "module_slots",
    hazard:
      "global_exit running concurrently with a new import's global_init: the last unloader decides 1→0 under the lock but tears down after releasing it, wiping the state the next importer just set up.",
    property: "P2",
    description: "unload_module decides 1→0 under the lifecycle lock but runs global_exit after releasing it.",
    subject: subject("exit-outside-lock", (c) => new ExitOutsideLock(c)),
    programs: [[exec(), unload()], [exec(), use()]],
    expected: { via: "model", properties: ["P2"] },
  },
  {
    id: "refcount-load-store",
    family: "module_slots",
    hazard:
      "The refcount decrement as a load followed by a store instead of an atomic read-modify-write: a concurrent update falls between the load and the store and is lost, so `if global_state_refcnt(def) == 1: … run g_exit` fires while another interpreter holds an instance (or never fires).",
    property: "P2",
    description: "unload_module decrements the refcount outside the lifecycle lock as a load then a store (taking the lock only for global_exit).",
    subject: subject("refcount-load-store", (c) => new RefcountLoadStore(c)),
    // interp 2 reads the count before interp 1's (locked, atomic) increment and writes it back after:
    // the increment is lost and interp 2 tears down what interp 1 has just imported.
    programs: [[exec()], [exec(), unload()]],
    expected: { via: "model", properties: ["P2", "P1"] },
  },
  {
    id: "instances-counted-per-interpreter",
    family: "module_slots",
    hazard:
      "Several module objects of one def in one interpreter (\"multiple module objects corresponding to a single extension can even be loaded in a single interpreter\", isolating-extensions HOWTO) counted once: instance A's m_free runs global_exit and frees the `henv` instance B still uses.",
    property: "P2",
    description: "PyModule_ExecDef counts a module instance only when it is its interpreter's first, so the refcount is per interpreter.",
    subject: subject("instances-counted-per-interpreter", (c) => new InstancesCountedPerInterpreter(c)),
    // interp 1's first module object's m_free already runs global_exit under the second.
    programs: [[exec(), second(exec()), unload()]],
    expected: { via: "model", properties: ["P2"] },
  },
  {
    id: "finalize-keeps-refcount",
    family: "module_slots",
    hazard:
      "Runtime re-initialisation that keeps a stale \"initialised\" flag: the runtime should own the lifetime and clean up at finalisation, but the def's refcount survives Py_FinalizeEx, so after Py_Initialize the next import skips global_init.",
    property: "P7",
    description: "Py_FinalizeEx clears the main interpreter's importer bits instead of unloading its instances, leaving the refcount (and the set-up state) in place.",
    subject: subject("finalize-keeps-refcount", (c) => new FinalizeKeepsRefcount(c)),
    // Caught at finalisation itself by the ghost monitor (the implementation's own counters
    // against the model's along the linearization), before any re-import has to show it.
    programs: [[exec(), { _tag: "Py_FinalizeEx" }]],
    expected: { via: "model", properties: ["P7", "P2"] },
  },
  {
    id: "calls-never-busy",
    family: "module_slots",
    hazard:
      "Finalising under a running call: finalize_subinterpreters() asserts that no interpreter it ends is running; a runtime that cannot tell an idle subinterpreter from one mid-import ends it under the import, whose global_init then runs on a finalised runtime and is never balanced by a global_exit.",
    property: "P7",
    description: "A family call passes the gate without setting its interpreter's BUSY bit, so Py_FinalizeEx does not wait for it.",
    subject: subject("calls-never-busy", (c) => new CallsNeverBusy(c)),
    programs: [[{ _tag: "Py_FinalizeEx" }], [exec()]],
    expected: { via: "model", properties: ["P7", "P2", "P1"] },
  },
];
