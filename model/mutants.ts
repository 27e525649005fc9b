import { bit, decodeIndex, encodeIndex, err, interpOf, ok, userBit, userBitsOf, type Result, type StepResult } from "./common.js";
import type { FamilyName } from "./family.js";
import type { AnyCall, AnyFamilyModel, GlobalLockState, LifecycleState, RuntimeStoreState } from "./index.js";
import { models } from "./index.js";

/**
 * The model-mutant catalogue: each entry breaks ONE rule of the model (a decision of
 * model/README.md or a property it upholds) by wrapping a family's `step`, and the model's own
 * tests — the example scripts, the ghost rules and the invariants of model/invariants.ts — must
 * catch every one (model/mutants.test.ts). A rule no test notices when it is broken is a rule the
 * model does not really pin; the implementation's mutants (impl/mutants/) do the same for impl/.
 */
export interface ModelMutant {
  /** kebab-case, unique in the catalogue. */
  readonly id: string;
  readonly family: FamilyName;
  /** The decision (D1–D16) or property (P1–P9) the mutant breaks. */
  readonly rule: string;
  /** What changed, in one sentence. */
  readonly description: string;
  readonly model: AnyFamilyModel;
}

type Step<S> = (s: S, interp: number, call: AnyCall) => StepResult<S> | undefined;

/** A family's model whose step is `wrap(base step)`. */
function mutate<S>(family: FamilyName, wrap: (base: Step<S>) => Step<S>): AnyFamilyModel {
  const base = models[family];
  return { ...base, step: wrap((s, i, c) => base.step(s, i, c) as StepResult<S> | undefined) };
}

const isErr = (r: Result, error: string): boolean => r._tag === "Err" && r.error === error;

type RegState = GlobalLockState | RuntimeStoreState;

/** The registry slot an index names, and its entry, if any. */
function entryAt(s: RegState, index: number) {
  const at = decodeIndex(index);
  return at === undefined ? undefined : { ...at, entry: s.reg.slots[at.slot] ?? null };
}

/** A global-lock state with one slot's holder replaced (the entry must be live). */
function withHolder(s: GlobalLockState, slot: number, holder: number): GlobalLockState {
  const e = s.reg.slots[slot];
  if (!e) return s;
  const slots = s.reg.slots.slice();
  slots[slot] = { ...e, payload: { ...e.payload, holder } };
  return { ...s, reg: { ...s.reg, slots } };
}

function withDefField(s: LifecycleState, def: "odbc" | "mylib", field: "holder" | "handle" | "importers" | "myLock", value: number): LifecycleState {
  return { ...s, defs: { ...s.defs, [def]: { ...s.defs[def], [field]: value } } };
}

const defOf = (c: AnyCall): "odbc" | "mylib" | undefined => ("def" in c ? c.def : undefined);

export const modelMutants: readonly ModelMutant[] = [
  // ---- the registry (global_lock) ----------------------------------------------------------------
  {
    id: "generation-not-bumped",
    family: "global_lock",
    rule: "D5/P8",
    description: "Freeing a slot keeps its generation, so an index from before the free resolves to the entry that reuses the slot.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && { ...r, state: { ...r.state, reg: { ...r.state.reg, generations: s.reg.generations } } };
    }),
  },
  {
    id: "get-without-ensure",
    family: "global_lock",
    rule: "D6",
    description: "PyThread_GetGlobalLock hands the lock to an interpreter that never ensured it.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && c._tag === "PyThread_GetGlobalLock" && isErr(r.result, "NotEnsured") ? { state: s, result: ok(c.index) } : r;
    }),
  },
  {
    id: "not-ensured-before-name-mismatch",
    family: "global_lock",
    rule: "D6 (order)",
    description: "Resolution reports NotEnsured before NameMismatch, so a non-ensurer naming the wrong lock learns nothing about the slot's name.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (!r || !isErr(r.result, "NameMismatch") || !("index" in c)) return r;
      const at = entryAt(s, c.index);
      return at?.entry && !(at.entry.refs & userBit(i, "instance" in c ? c.instance : 1)) ? { state: s, result: err("NotEnsured") } : r;
    }),
  },
  {
    id: "future-generation-resolves",
    family: "global_lock",
    rule: "D5/P8",
    description: "An index of a generation the slot has not reached yet resolves to the slot's live entry (the generation compared with `>`, not `!==`).",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (!r || !isErr(r.result, "StaleIndex") || !("index" in c)) return r;
      const at = entryAt(s, c.index);
      const current = at ? (s.reg.generations[at.slot] ?? 0) : 0;
      if (!at?.entry || at.generation <= current) return r;
      const again = step(s, i, { ...c, index: encodeIndex(at.slot, current) } as AnyCall);
      return again && (again.result._tag === "Ok" && c._tag === "PyThread_GetGlobalLock" ? { ...again, result: ok(c.index) } : again);
    }),
  },
  {
    id: "ending-holder-keeps-lock",
    family: "global_lock",
    rule: "D7/D13",
    description: "An interpreter that ends while holding a lock is counted as abandoning it, but the lock stays held by the dead interpreter.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (!r || c._tag !== "Py_EndInterpreter" || r.result._tag !== "Ok") return r;
      let t = r.state;
      s.reg.slots.forEach((e, slot) => {
        if (e && e.payload.holder === i && t.reg.slots[slot]) t = withHolder(t, slot, i);
      });
      return { ...r, state: t };
    }),
  },
  {
    id: "holder-is-the-interpreter",
    family: "global_lock",
    rule: "D18",
    description: "A held lock belongs to the interpreter, not the thread: a second thread of the holder's interpreter gets Reentrant instead of blocking, and may release the lock or call the library under it.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => step(s, interpOf(i), c)),
  },
  {
    id: "end-ignores-sibling-holder",
    family: "global_lock",
    rule: "D18",
    description: "Py_EndInterpreter does not wait for another thread of the interpreter that holds a lock: it ends at once and the sibling's lock is left held by a thread of a dead interpreter.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (r !== undefined || c._tag !== "Py_EndInterpreter") return r;
      // Ending as if the sibling holders were not there: hide them, end, then put them back.
      const siblings = s.reg.slots.map((e) => (e && e.payload.holder !== 0 && e.payload.holder !== i && interpOf(e.payload.holder) === interpOf(i) ? e.payload.holder : 0));
      let hidden = s;
      siblings.forEach((h, slot) => { if (h) hidden = withHolder(hidden, slot, 0); });
      const ended = step(hidden, i, c);
      if (!ended) return ended;
      let t = ended.state;
      siblings.forEach((h, slot) => { if (h && t.reg.slots[slot]) t = withHolder(t, slot, h); });
      return { ...ended, state: t };
    }),
  },
  {
    id: "ensure-counted-per-interpreter",
    family: "global_lock",
    rule: "D4/P3",
    description: "Ensures are counted per interpreter, not per module instance: one instance's release drops the other instance's use of the lock.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => step(s, i, "instance" in c && c.instance !== undefined ? ({ ...c, instance: 1 } as AnyCall) : c)),
  },
  {
    id: "store-ensure-counted-per-interpreter",
    family: "runtime_store",
    rule: "D4/P3",
    description: "Store ensures are counted per interpreter, not per module instance: one instance's release deallocates the key the other still uses.",
    model: mutate<RuntimeStoreState>("runtime_store", (step) => (s, i, c) => step(s, i, "instance" in c && c.instance !== undefined ? ({ ...c, instance: 1 } as AnyCall) : c)),
  },
  {
    id: "abandoned-not-counted",
    family: "global_lock",
    rule: "ghost (P9)",
    description: "An interpreter that ends while holding a lock lets it go without counting it as abandoned.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && c._tag === "Py_EndInterpreter" ? { ...r, state: { ...r.state, ghost: { ...r.state.ghost, abandoned: s.ghost.abandoned } } } : r;
    }),
  },
  {
    id: "release-ensure-while-holding",
    family: "global_lock",
    rule: "D7 (LockHeld)",
    description: "PyThread_ReleaseGlobalLock is accepted while the caller holds the lock.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (!r || !isErr(r.result, "LockHeld") || !("index" in c)) return r;
      const at = entryAt(s, c.index)!;
      const freed = step(withHolder(s, at.slot, 0), i, c);
      return freed && { ...freed, state: withHolder(freed.state, at.slot, i) };
    }),
  },
  {
    id: "reentry-hangs",
    family: "global_lock",
    rule: "D7/P6",
    description: "Acquiring a lock the caller already holds blocks (a self-deadlock) instead of returning Reentrant.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && isErr(r.result, "Reentrant") ? undefined : r;
    }),
  },
  {
    id: "release-by-non-holder",
    family: "global_lock",
    rule: "D7/P9",
    description: "PyThread_release_lock by an interpreter that does not hold the lock releases it for the holder.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (!r || c._tag !== "PyThread_release_lock" || !("index" in c) || !isErr(r.result, "NotHeld")) return r;
      const at = entryAt(s, c.index)!;
      return s.reg.slots[at.slot]?.payload.holder ? { state: withHolder(s, at.slot, 0), result: ok(0) } : r;
    }),
  },
  {
    id: "finalize-waits-for-subinterpreters",
    family: "global_lock",
    rule: "D3",
    description: "Py_FinalizeEx waits for every subinterpreter to end itself (the model before CPython 3.13's finalize_subinterpreters).",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) =>
      c._tag === "Py_FinalizeEx" && !s.rt.finalized && i === 1 && (s.rt.alive & ~bit(1)) !== 0 ? undefined : step(s, i, c)),
  },
  {
    id: "finalize-forgets-subinterpreters",
    family: "global_lock",
    rule: "D3/P7",
    description: "Py_FinalizeEx marks the live subinterpreters dead without ending them, so their ensures are left for finalisation (leaks).",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) =>
      c._tag === "Py_FinalizeEx" && !s.rt.finalized && i === 1 ? step({ ...s, rt: { ...s.rt, alive: s.rt.alive & bit(1) } }, i, c) : step(s, i, c)),
  },
  {
    id: "static-lock-pointer-dangles",
    family: "refcounted_lock",
    rule: "D10b/P8",
    description:
      "The last mod_free frees the lock object but leaves the extension's static my_lock pointing at it; the next mod_init finds my_lock set, increfs the freed object instead of allocating, and skips setup.",
    model: mutate<LifecycleState>("refcounted_lock", (step) => (s, i, c) => {
      const def = defOf(c);
      const live = !s.rt.finalized && (s.rt.alive & bit(i)) !== 0;
      if (c._tag === "mod_init" && def && live && s.defs[def].importers === 0 && s.defs[def].myLock !== 0) {
        // lock_was_just_allocated is 0: the sketch's mod_init skips setup_global_state.
        return { state: withDefField(s, def, "importers", userBit(i, ("instance" in c && c.instance) || 1)), result: ok(0) };
      }
      const r = step(s, i, c);
      if (!r) return r;
      let t = r.state;
      for (const d of ["odbc", "mylib"] as const) if (s.defs[d].myLock !== 0 && t.defs[d].myLock === 0) t = withDefField(t, d, "myLock", s.defs[d].myLock);
      return { ...r, state: t };
    }),
  },
  {
    id: "finalize-ends-a-busy-subinterpreter",
    family: "refcounted_lock",
    rule: "D3",
    description: "Py_FinalizeEx does not wait for a subinterpreter inside the extension (holding the lock): it ends it and abandons the lock.",
    model: mutate<LifecycleState>("refcounted_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (r || c._tag !== "Py_FinalizeEx") return r;
      const freed = (["odbc", "mylib"] as const).reduce((t, def) => (t.defs[def].holder > 1 ? withDefField(t, def, "holder", 0) : t), s);
      const t = step(freed, i, c);
      return t && { ...t, state: { ...t.state, ghost: { ...t.state.ghost, abandoned: t.state.ghost.abandoned + 1 } } };
    }),
  },
  {
    id: "reinit-revives-only-main",
    family: "global_lock",
    rule: "D3 (Py_Initialize)",
    description: "Py_Initialize brings back only the main interpreter.",
    model: mutate<GlobalLockState>("global_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && c._tag === "Py_Initialize" && r.result._tag === "Ok" ? { ...r, state: { ...r.state, rt: { ...r.state.rt, alive: bit(1) } } } : r;
    }),
  },
  // ---- the runtime store -------------------------------------------------------------------------
  {
    id: "set-null-is-unset",
    family: "runtime_store",
    rule: "D8",
    description: "PyRuntime_store_set of NULL leaves the key unset (the sketch: \"Return 1 if the key has a value set (even if NULL)\").",
    model: mutate<RuntimeStoreState>("runtime_store", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (!r || c._tag !== "PyRuntime_store_set" || c.value !== 0 || r.result._tag !== "Ok") return r;
      const at = entryAt(r.state, c.key)!;
      const slots = r.state.reg.slots.slice();
      slots[at.slot] = { ...at.entry!, payload: { isSet: false, value: 0, owner: 0 } };
      return { ...r, state: { ...r.state, reg: { ...r.state.reg, slots } } };
    }),
  },
  {
    id: "store-release-by-non-ensurer",
    family: "runtime_store",
    rule: "D4/P3",
    description: "PyRuntime_store_release from an interpreter that holds no ensure of the key is accepted (and changes nothing).",
    model: mutate<RuntimeStoreState>("runtime_store", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && c._tag === "PyRuntime_store_release" && isErr(r.result, "NotEnsured") ? { state: s, result: ok(0) } : r;
    }),
  },
  {
    id: "dangling-not-counted",
    family: "runtime_store",
    rule: "D9/P4",
    description: "An interpreter that ends while storage still holds a value it owns leaves no ghost trace.",
    model: mutate<RuntimeStoreState>("runtime_store", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && c._tag === "Py_EndInterpreter" ? { ...r, state: { ...r.state, ghost: { ...r.state.ghost, dangling: s.ghost.dangling } } } : r;
    }),
  },
  {
    id: "release-never-says-last",
    family: "runtime_store",
    rule: "D8",
    description: "PyRuntime_store_release returns 0 even when it deallocated the key: the last user is never told to free the value.",
    model: mutate<RuntimeStoreState>("runtime_store", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && c._tag === "PyRuntime_store_release" && r.result._tag === "Ok" ? { ...r, result: ok(0) } : r;
    }),
  },
  {
    id: "dangling-with-its-storage",
    family: "runtime_store",
    rule: "D9/P4",
    description: "A value owned by an ending interpreter counts as dangling even when its storage goes away with that interpreter's ensure.",
    model: mutate<RuntimeStoreState>("runtime_store", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (!r || c._tag !== "Py_EndInterpreter" || r.result._tag !== "Ok") return r;
      const gone = s.reg.slots.filter((e) => e && e.payload.isSet && e.payload.owner === i && (e.refs & ~userBitsOf(i)) === 0).length;
      return { ...r, state: { ...r.state, ghost: { ...r.state.ghost, dangling: r.state.ghost.dangling + gone } } };
    }),
  },
  {
    id: "dropped-not-counted",
    family: "runtime_store",
    rule: "D8/P7",
    description: "A value still set when the runtime deallocates its storage unseen (an ending last ensurer, finalisation) leaves no ghost trace.",
    model: mutate<RuntimeStoreState>("runtime_store", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r ? { ...r, state: { ...r.state, ghost: { ...r.state.ghost, dropped: s.ghost.dropped } } } : r;
    }),
  },
  {
    id: "release-says-last-too-early",
    family: "runtime_store",
    rule: "D8",
    description: "PyRuntime_store_release returns 1 while another module instance still ensures the key, so the caller frees a value still in use.",
    model: mutate<RuntimeStoreState>("runtime_store", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && c._tag === "PyRuntime_store_release" && r.result._tag === "Ok" ? { ...r, result: ok(1) } : r;
    }),
  },
  {
    id: "dropped-counted-when-told",
    family: "runtime_store",
    rule: "D8 (ghost)",
    description: "A value still set at a release that returned 1 is counted as dropped, although that releaser was told to free it.",
    model: mutate<RuntimeStoreState>("runtime_store", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (!r || c._tag !== "PyRuntime_store_release" || r.result._tag !== "Ok" || r.result.value !== 1) return r;
      const at = entryAt(s, c.key);
      return at && s.reg.slots[at.slot]?.payload.isSet ? { ...r, state: { ...r.state, ghost: { ...r.state.ghost, dropped: r.state.ghost.dropped + 1 } } } : r;
    }),
  },
  {
    id: "delete-keeps-the-value",
    family: "runtime_store",
    rule: "D8",
    description: "PyRuntime_store_delete leaves the value set.",
    model: mutate<RuntimeStoreState>("runtime_store", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && c._tag === "PyRuntime_store_delete" ? { ...r, state: s } : r;
    }),
  },
  // ---- the lifecycle (module_slots, refcounted_lock, static_mutex) -----------------------------------
  {
    id: "teardown-by-first-unloader",
    family: "module_slots",
    rule: "D11/P2",
    description: "Every unload runs global_exit, not only the last.",
    model: mutate<LifecycleState>("module_slots", (step) => (s, i, c) => {
      const r = step(s, i, c);
      const def = defOf(c);
      if (!r || c._tag !== "unload_module" || !def || r.result._tag !== "Ok" || r.result.value !== 0) return r;
      const exits = { ...r.state.ghost.exits, [def]: r.state.ghost.exits[def] + 1 };
      return { state: { ...withDefField(r.state, def, "handle", 0), ghost: { ...r.state.ghost, exits } }, result: r.result };
    }),
  },
  {
    id: "exit-not-counted",
    family: "module_slots",
    rule: "ghost (P2)",
    description: "global_exit runs on the last unload but the ghost does not count it.",
    model: mutate<LifecycleState>("module_slots", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && c._tag === "unload_module" && r.result._tag === "Ok" && r.result.value === 1
        ? { ...r, state: { ...r.state, ghost: { ...r.state.ghost, exits: s.ghost.exits } } }
        : r;
    }),
  },
  {
    id: "teardown-keeps-handle",
    family: "module_slots",
    rule: "D11/P2",
    description: "global_exit leaves the torn-down epoch's handle in place.",
    model: mutate<LifecycleState>("module_slots", (step) => (s, i, c) => {
      const r = step(s, i, c);
      const def = defOf(c);
      return r && def && c._tag === "unload_module" && r.result._tag === "Ok" && r.result.value === 1
        ? { ...r, state: withDefField(r.state, def, "handle", s.defs[def].handle) }
        : r;
    }),
  },
  {
    id: "init-failure-before-import-cycle",
    family: "module_slots",
    rule: "D12 (order)",
    description: "A global_init that both imports its own module and fails reports InitFailed instead of the import cycle.",
    model: mutate<LifecycleState>("module_slots", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && c._tag === "PyModule_ExecDef" && c.initFails && isErr(r.result, "ImportCycle") ? { ...r, result: err("InitFailed") } : r;
    }),
  },
  {
    id: "failed-exec-stays-counted",
    family: "module_slots",
    rule: "D12/P3",
    description: "A Py_mod_exec that fails after global_init leaves its instance counted (m_free is not run after the failed exec).",
    model: mutate<LifecycleState>("module_slots", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (!r || c._tag !== "PyModule_ExecDef" || !isErr(r.result, "ExecFailed") || s.defs[c.def].importers !== 0) return r;
      const counted = step(s, i, { ...c, execFails: false });
      return counted && { state: counted.state, result: r.result };
    }),
  },
  {
    id: "second-instance-accepted",
    family: "module_slots",
    rule: "D11",
    description: "A second exec of a def in the same interpreter is accepted (and changes nothing) instead of AlreadyImported.",
    model: mutate<LifecycleState>("module_slots", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && isErr(r.result, "AlreadyImported") ? { state: s, result: ok(0) } : r;
    }),
  },
  {
    id: "instances-counted-per-interpreter",
    family: "module_slots",
    rule: "D11/P2",
    description: "Module instances are counted per interpreter: a second module object of the def in the same interpreter is not counted, so the first's m_free runs global_exit under it.",
    model: mutate<LifecycleState>("module_slots", (step) => (s, i, c) => step(s, i, "instance" in c && c.instance !== undefined ? ({ ...c, instance: 1 } as AnyCall) : c)),
  },
  {
    id: "non-holder-unlock-clears-holder",
    family: "refcounted_lock",
    rule: "D2/P9",
    description: "An unlock by a non-holder is refused with NotHeld but still clears the holder.",
    model: mutate<LifecycleState>("refcounted_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      const def = defOf(c);
      return r && def && c._tag === "PyThread_release_lock" && isErr(r.result, "NotHeld") ? { state: withDefField(s, def, "holder", 0), result: r.result } : r;
    }),
  },
  {
    id: "import-does-not-wait-for-lock",
    family: "refcounted_lock",
    rule: "D10",
    description: "mod_init proceeds while another interpreter holds the lock, instead of waiting for it.",
    model: mutate<LifecycleState>("refcounted_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      const def = defOf(c);
      if (r || c._tag !== "mod_init" || !def) return r;
      const holder = s.defs[def].holder;
      const through = step(withDefField(s, def, "holder", 0), i, c);
      return through && { ...through, state: withDefField(through.state, def, "holder", holder) };
    }),
  },
  {
    id: "ending-holder-keeps-refcounted-lock",
    family: "refcounted_lock",
    rule: "D7/D13",
    description: "An interpreter that ends while holding the refcounted lock leaves it held by the dead interpreter.",
    model: mutate<LifecycleState>("refcounted_lock", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (!r || c._tag !== "Py_EndInterpreter" || r.result._tag !== "Ok") return r;
      let t = r.state;
      for (const def of ["odbc", "mylib"] as const) if (s.defs[def].holder === i && t.defs[def].importers !== 0) t = withDefField(t, def, "holder", i);
      return { ...r, state: t };
    }),
  },
  {
    id: "refcounted-holder-is-the-interpreter",
    family: "refcounted_lock",
    rule: "D18",
    description: "The refcounted lock is held by the interpreter, not the thread: a second thread of the holder's interpreter gets Reentrant instead of blocking, and may release it.",
    model: mutate<LifecycleState>("refcounted_lock", (step) => (s, i, c) => step(s, interpOf(i), c)),
  },
  {
    id: "pymutex-with-an-owner",
    family: "static_mutex",
    rule: "D14",
    description: "The baseline's PyMutex_Unlock by a non-holder is refused, as if the shipped PyMutex tracked its owner.",
    model: mutate<LifecycleState>("static_mutex", (step) => (s, i, c) => {
      const r = step(s, i, c);
      const def = defOf(c);
      return r && def && c._tag === "PyMutex_Unlock" && r.result._tag === "Ok" && s.defs[def].holder !== i ? { state: s, result: err("NotHeld") } : r;
    }),
  },
  {
    id: "unlocking-unlocked-pymutex-is-harmless",
    family: "static_mutex",
    rule: "D14",
    description: "PyMutex_Unlock of an unlocked mutex returns 0 instead of Py_FatalError.",
    model: mutate<LifecycleState>("static_mutex", (step) => (s, i, c) => {
      const r = step(s, i, c);
      return r && isErr(r.result, "FatalError") ? { state: s, result: ok(0) } : r;
    }),
  },
  {
    id: "ending-releases-pymutex",
    family: "static_mutex",
    rule: "D14",
    description: "Py_EndInterpreter lets go of a PyMutex instead of waiting for it in the extension's m_free.",
    model: mutate<LifecycleState>("static_mutex", (step) => (s, i, c) => {
      const r = step(s, i, c);
      if (r || c._tag !== "Py_EndInterpreter") return r;
      let t = s;
      for (const def of ["odbc", "mylib"] as const) t = withDefField(t, def, "holder", 0);
      return step(t, i, c);
    }),
  },
  {
    id: "failed-init-keeps-count",
    family: "static_mutex",
    rule: "D12/P5",
    description: "A failed init in mod_exec leaves the extension's count (the instance) behind.",
    model: mutate<LifecycleState>("static_mutex", (step) => (s, i, c) => {
      const r = step(s, i, c);
      const def = defOf(c);
      return r && def && isErr(r.result, "InitFailed") ? { state: withDefField(s, def, "importers", s.defs[def].importers | bit(i)), result: r.result } : r;
    }),
  },
];
