import { fc, it } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import {
  bit,
  encodeIndex,
  INDEX_SLOT_RADIX,
  defs,
  models,
  type AnyCall,
  type AnyFamilyModel,
  type FamilyName,
  type GlobalLockState,
  type LifecycleState,
  type Result,
  type RuntimeStoreState,
} from "./index.js";
import { emptyCarry, invocationsArbitrary, resolveCall, updateCarry, type Invocation } from "../properties/workload.js";

/**
 * Properties of the model over random call sequences made by three interpreters. The sequences come
 * from the Schema vocabulary (properties/workload.ts); references to indices are resolved against
 * what each interpreter received, as a client would.
 */

interface Executed {
  readonly interp: number;
  readonly call: AnyCall;
  readonly result: Result | "blocked";
  readonly before: string;
  readonly after: string;
}

function execute(
  family: FamilyName,
  invocations: readonly Invocation[],
  observe?: (state: unknown, e: Executed) => void,
  model: AnyFamilyModel = models[family],
): Executed[] {
  let s = model.init();
  const carries = new Map<number, readonly number[]>();
  const out: Executed[] = [];
  for (const { interp, call: raw } of invocations) {
    const carry = carries.get(interp) ?? emptyCarry;
    const call = resolveCall(raw, carry);
    const before = model.key(s);
    const r = model.step(s, interp, call);
    if (!r) {
      out.push({ interp, call, result: "blocked", before, after: before });
      continue;
    }
    // The model is pure: the same call in the same state gives the same outcome.
    const again = model.step(s, interp, call)!;
    if (model.key(again.state) !== model.key(r.state)) throw new Error(`step is not deterministic on ${model.describeCall(interp, call)}`);
    carries.set(interp, updateCarry(call, r.result, carry));
    s = r.state;
    const e: Executed = { interp, call, result: r.result, before, after: model.key(s) };
    out.push(e);
    observe?.(s, e);
  }
  return out;
}


/**
 * P8 with an oracle independent of the model: who ensured each index is tracked from the results
 * alone; an index whose ensurers all released (or died) is dead forever, and no call may succeed on it.
 */
function noStaleIndexSucceeds(family: FamilyName, invs: readonly Invocation[], model: AnyFamilyModel = models[family]): void {
  const holders = new Map<number, Set<number>>();
  const dead = new Set<number>();
  const kill = (index: number) => {
    holders.delete(index);
    dead.add(index);
  };
  for (const e of execute(family, invs, undefined, model)) {
    if (e.result === "blocked") continue;
    const c = e.call;
    if (e.result._tag !== "Ok") continue;
    if (c._tag === "PyThread_EnsureGlobalLock" || c._tag === "PyRuntime_store_ensure") {
      expect(dead.has(e.result.value)).toBe(false);
      const set = holders.get(e.result.value) ?? new Set<number>();
      set.add(e.interp);
      holders.set(e.result.value, set);
    } else if ("index" in c || "key" in c) {
      const index = "index" in c ? c.index : c.key;
      expect(dead.has(index), `${c._tag} succeeded on dead index ${index}`).toBe(false);
      if (c._tag === "PyThread_ReleaseGlobalLock" || c._tag === "PyRuntime_store_release") {
        const set = holders.get(index)!;
        set.delete(e.interp);
        if (set.size === 0) kill(index);
      }
    } else if (c._tag === "Py_EndInterpreter") {
      for (const [index, set] of holders) {
        set.delete(e.interp);
        if (set.size === 0) kill(index);
      }
    } else if (c._tag === "Py_FinalizeEx") {
      for (const index of [...holders.keys()]) kill(index);
    }
  }
}

/** Every misuse returns its error and changes nothing. */
function misuseChangesNothing(family: FamilyName, invs: readonly Invocation[], model: AnyFamilyModel = models[family]): void {
  for (const e of execute(family, invs, undefined, model)) {
    if (e.result === "blocked" || e.result._tag === "Ok") continue;
    // ExecFailed is a failure, not a misuse: global_init and then global_exit really ran.
    if (e.result.error === "ExecFailed") continue;
    expect(e.after, `${e.result.error} changed the state`).toBe(e.before);
  }
}

/** Init and exit balance per epoch: the state is set up exactly while the refcount is positive. */
function epochsBalance(family: FamilyName, invs: readonly Invocation[], model: AnyFamilyModel = models[family]): void {
  execute(family, invs, (st) => {
    const s = st as LifecycleState;
    for (const def of defs) {
      const d = s.defs[def];
      const open = s.ghost.inits[def] - s.ghost.exits[def];
      expect(open === 0 || open === 1).toBe(true);
      expect((open === 1) === (d.importers !== 0)).toBe(true);
      expect(d.handle).toBe(open === 1 ? s.ghost.inits[def] : 0);
      if (d.holder !== 0) expect(d.importers & bit(d.holder)).not.toBe(0);
      expect(d.importers & ~s.rt.alive).toBe(0);
    }
  }, model);
}

const allFamilies = Object.keys(models) as FamilyName[];
const lifecycleFamilies: FamilyName[] = ["module_slots", "refcounted_lock", "static_mutex"];
const registryFamilies: FamilyName[] = ["global_lock", "runtime_store"];
const runs = { numRuns: 300 };

describe.each(allFamilies)("%s", (family) => {
  it.prop([invocationsArbitrary(family, 3, 40)], runs)("every misuse returns its error and changes nothing", (invs) => {
    misuseChangesNothing(family, invs);
  });

  it.prop([invocationsArbitrary(family, 3, 40)], runs)("runtime finalisation leaves nothing behind and nothing leaks", (invs) => {
    execute(family, invs, (state, e) => {
      if (e.call._tag !== "Py_FinalizeEx" || e.result === "blocked" || e.result._tag !== "Ok") return;
      const g = models[family].ghost(state);
      expect(g.leaks).toBe(0);
      if ("reg" in (state as object)) {
        expect((state as GlobalLockState | RuntimeStoreState).reg.slots.every((x) => x === null)).toBe(true);
      } else {
        for (const def of defs) expect((state as LifecycleState).defs[def]).toMatchObject({ importers: 0, handle: 0, holder: 0 });
      }
    });
  });

  it.prop([invocationsArbitrary(family, 3, 40)], runs)("only a call waiting for a lock held by another interpreter, or finalisation waiting for subinterpreters, blocks", (invs) => {
    for (const e of execute(family, invs)) {
      if (e.result !== "blocked") continue;
      expect(["PyThread_acquire_lock", "PyMutex_Lock", "mod_init", "mod_free", "mod_exec", "Py_FinalizeEx"]).toContain(e.call._tag);
    }
  });
});

describe.each(lifecycleFamilies)("%s lifecycle", (family) => {
  it.prop([invocationsArbitrary(family, 3, 50)], runs)(
    "init and exit balance per epoch: state is set up exactly while the refcount is positive",
    (invs) => {
      epochsBalance(family, invs);
    },
  );

  it.prop([invocationsArbitrary(family, 3, 50)], runs)("every use sees the handle of a fully set-up epoch, never 0", (invs) => {
    for (const e of execute(family, invs)) {
      if (e.call._tag === "use_global_state" && e.result !== "blocked" && e.result._tag === "Ok") expect(e.result.value).toBeGreaterThan(0);
    }
  });
});

describe.each(registryFamilies)("%s registry", (family) => {
  it.prop([invocationsArbitrary(family, 3, 50)], runs)("ensures are counted per interpreter and entries are unique per (def, name)", (invs) => {
    execute(family, invs, (st) => {
      const s = st as GlobalLockState | RuntimeStoreState;
      const seen = new Set<string>();
      for (const e of s.reg.slots) {
        if (!e) continue;
        expect(e.refs).not.toBe(0);
        expect(e.refs & ~s.rt.alive).toBe(0);
        expect(seen.has(`${e.def}.${e.name}`)).toBe(false);
        seen.add(`${e.def}.${e.name}`);
        if ("holder" in e.payload && e.payload.holder !== 0) expect(e.refs & bit(e.payload.holder)).not.toBe(0);
      }
    });
  });

  it.prop([invocationsArbitrary(family, 3, 60)], runs)("a stale index never reaches a newer entry (P8)", (invs) => {
    noStaleIndexSucceeds(family, invs);
  });
});

/**
 * The properties have teeth: each one, run on a deliberately broken model, finds the break.
 */
describe("the model properties catch a broken model", () => {
  const fails = (prop: fc.IPropertyWithHooks<[Invocation[]]> | fc.IProperty<[Invocation[]]>) =>
    fc.check(prop, { numRuns: 2000, seed: 7 }).failed;

  it("P8 catches an index that resolves without its generation (ABA)", () => {
    const base = models.global_lock;
    const broken: AnyFamilyModel = {
      ...base,
      step(s: GlobalLockState, interp: number, call: AnyCall) {
        const r = base.step(s, interp, call);
        if (r && r.result._tag === "Err" && r.result.error === "StaleIndex" && "index" in call && call.index > 0) {
          const slot = (call.index - 1) % INDEX_SLOT_RADIX;
          return base.step(s, interp, { ...call, index: encodeIndex(slot, s.reg.generations[slot] ?? 0) }) ?? r;
        }
        return r;
      },
    };
    expect(fails(fc.property(invocationsArbitrary("global_lock", 3, 60), (invs) => noStaleIndexSucceeds("global_lock", invs, broken)))).toBe(true);
  });

  it("the misuse property catches an unlock by a non-holder that still clears the holder", () => {
    const base = models.refcounted_lock;
    const broken: AnyFamilyModel = {
      ...base,
      step(s: LifecycleState, interp: number, call: AnyCall) {
        const r = base.step(s, interp, call);
        if (r && call._tag === "PyThread_release_lock" && r.result._tag === "Err" && r.result.error === "NotHeld") {
          return { state: { ...s, defs: { ...s.defs, [call.def]: { ...s.defs[call.def], holder: 0 } } }, result: r.result };
        }
        return r;
      },
    };
    expect(fails(fc.property(invocationsArbitrary("refcounted_lock", 3, 40), (invs) => misuseChangesNothing("refcounted_lock", invs, broken)))).toBe(true);
  });

  it("the balance property catches teardown by the first unloader instead of the last", () => {
    const base = models.module_slots;
    const broken: AnyFamilyModel = {
      ...base,
      step(s: LifecycleState, interp: number, call: AnyCall) {
        const r = base.step(s, interp, call);
        if (r && call._tag === "unload_module" && r.result._tag === "Ok" && r.result.value === 0) {
          const st = r.state as LifecycleState;
          const exits = { ...st.ghost.exits, [call.def]: st.ghost.exits[call.def] + 1 };
          return { state: { ...st, defs: { ...st.defs, [call.def]: { ...st.defs[call.def], handle: 0 } }, ghost: { ...st.ghost, exits } }, result: r.result };
        }
        return r;
      },
    };
    expect(fails(fc.property(invocationsArbitrary("module_slots", 3, 50), (invs) => epochsBalance("module_slots", invs, broken)))).toBe(true);
  });
});
