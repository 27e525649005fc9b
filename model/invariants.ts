import { defs, INSTANCES, userBitsOf, userBitsOfAlive, type Result } from "./common.js";
import { emptyCarry, resolveCall, updateCarry } from "./carry.js";
import type { AnyCall, AnyFamilyModel, GlobalLockState, LifecycleState, RuntimeStoreState } from "./index.js";
import type { ModelProfile } from "./profile.js";
import { isFamilyName, profiles } from "./profiles.js";

/**
 * The model's own invariants, as checks over a sequence of calls run on a model: each throws an
 * Error naming the broken rule, or returns. Data-free so that two suites share them: the model's
 * property tests run them on random sequences (model/properties.test.ts) and the model-mutant
 * catalogue runs them on deliberately broken models to show each rule has a test that fails
 * without it (model/mutants.test.ts).
 */

/** One call of a sequence: which interpreter makes it (programs refer to indices by reference). */
export interface Invocation {
  readonly interp: number;
  readonly call: AnyCall;
}

/** A call as it was executed: its resolved form, its result ("blocked" when not enabled) and the state keys around it. */
export interface Executed {
  readonly interp: number;
  readonly call: AnyCall;
  readonly result: Result | "blocked";
  readonly before: string;
  readonly after: string;
}

/** The profile of a family by name (undefined for a name no family is registered under). */
const traitsOf = (family: string): ModelProfile | undefined => (isFamilyName(family) ? profiles[family] : undefined);
/** The profile of a model's family (a mutant model keeps its family's name, so its traits). */
const profileOf = (model: AnyFamilyModel): ModelProfile => traitsOf(model.family) ?? { family: model.family, model, globalState: "other", usage: { open: "", close: "", uses: [], typical: [] } }; // a model of no registered family: no trait, no usage

/** Families keeping global state in a per-def lifecycle, and in the runtime's registry. */
const lifecycle = (f: string): boolean => traitsOf(f)?.globalState === "lifecycle";
const registry = (f: string): boolean => traitsOf(f)?.globalState === "registry";

class RuleBroken extends Error {}
function must(cond: boolean, rule: string): void {
  if (!cond) throw new RuleBroken(rule);
}

/**
 * Runs the sequence on the model, resolving references against what each interpreter received;
 * `observe` sees the state after every call that completed. Also checks that `step` is pure.
 */
export function execute(model: AnyFamilyModel, invocations: readonly Invocation[], observe?: (state: unknown, e: Executed) => void): Executed[] {
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
    const again = model.step(s, interp, call);
    must(again !== undefined && model.key(again.state) === model.key(r.state), `step is deterministic (${model.describeCall(interp, call)})`);
    carries.set(interp, updateCarry(call, r.result, carry));
    s = r.state;
    const e: Executed = { interp, call, result: r.result, before, after: model.key(s) };
    out.push(e);
    observe?.(s, e);
  }
  return out;
}

/**
 * P8 with an oracle independent of the model: who — which module instance of which interpreter —
 * ensured each index is tracked from the results alone; an index whose ensurers all released (or
 * died) is dead forever, and no call may succeed on it. A release by an instance that holds no
 * ensure must not succeed either (P3, counted per instance).
 */
export function noStaleIndexSucceeds(model: AnyFamilyModel, invs: readonly Invocation[]): void {
  const holders = new Map<number, Set<string>>();
  const userOf = (e: Executed): string => `${e.interp}#${"instance" in e.call ? (e.call.instance ?? 1) : 1}`;
  const dead = new Set<number>();
  const kill = (index: number) => {
    holders.delete(index);
    dead.add(index);
  };
  for (const e of execute(model, invs)) {
    if (e.result === "blocked" || e.result._tag !== "Ok") continue;
    const c = e.call;
    if (c._tag === "PyThread_EnsureGlobalLock" || c._tag === "PyRuntime_store_ensure") {
      must(!dead.has(e.result.value), `P8: ensure handed out dead index ${e.result.value}`);
      const set = holders.get(e.result.value) ?? new Set<string>();
      set.add(userOf(e));
      holders.set(e.result.value, set);
    } else if ("index" in c || "key" in c) {
      const index = "index" in c ? c.index : c.key;
      must(!dead.has(index), `P8: ${c._tag} succeeded on dead index ${index}`);
      if (c._tag === "PyThread_ReleaseGlobalLock" || c._tag === "PyRuntime_store_release") {
        const set = holders.get(index);
        must(set !== undefined && set.delete(userOf(e)), `P3: ${c._tag} succeeded for a module instance that held no ensure of ${index}`);
        if (set!.size === 0) kill(index);
      }
    } else if (c._tag === "Py_EndInterpreter") {
      for (const [index, set] of holders) {
        for (let k = 1; k <= INSTANCES; k++) set.delete(`${e.interp}#${k}`);
        if (set.size === 0) kill(index);
      }
    } else if (c._tag === "Py_FinalizeEx") {
      for (const index of [...holders.keys()]) kill(index);
    }
  }
}

/** D2: every misuse returns its error and changes nothing (ExecFailed is a failure, not a misuse). */
export function misuseChangesNothing(model: AnyFamilyModel, invs: readonly Invocation[]): void {
  for (const e of execute(model, invs)) {
    if (e.result === "blocked" || e.result._tag === "Ok" || e.result.error === "ExecFailed") continue;
    must(e.after === e.before, `D2: ${e.result.error} changed the state`);
  }
}

/** Lifecycle families: init and exit balance per epoch; the state is set up exactly while the refcount is positive. */
export function epochsBalance(model: AnyFamilyModel, invs: readonly Invocation[]): void {
  execute(model, invs, (st) => {
    const s = st as LifecycleState;
    for (const def of defs) {
      const d = s.defs[def];
      const open = s.ghost.inits[def] - s.ghost.exits[def];
      must(open === 0 || open === 1, `P1/P2: ${def} has ${open} epochs open`);
      must((open === 1) === (d.importers !== 0), `P2: ${def} is set up exactly while it has importers`);
      must(d.handle === (open === 1 ? s.ghost.inits[def] : 0), `P1: ${def}'s handle is the open epoch's number, 0 when none is open`);
      if (d.holder !== 0) must((d.importers & userBitsOf(d.holder)) !== 0, `P9: ${def}'s lock holder has an instance`);
      must((d.importers & ~userBitsOfAlive(s.rt.alive)) === 0, `D13: only live interpreters have instances of ${def}`);
    }
  });
}

/** Lifecycle families: every use sees the handle of a fully set-up epoch, never 0. */
export function usesSeeSetUpState(model: AnyFamilyModel, invs: readonly Invocation[]): void {
  for (const e of execute(model, invs)) {
    if (e.call._tag === "use_global_state" && e.result !== "blocked" && e.result._tag === "Ok") must(e.result.value > 0, "P1: a use saw handle 0");
  }
}

/**
 * refcounted_lock (D10b): the extension's static `my_lock` names the live lock object while the
 * def has a module instance and is NULL otherwise — it never points at a freed lock object (P8).
 */
export function staticLockPointerNeverDangles(model: AnyFamilyModel, invs: readonly Invocation[]): void {
  execute(model, invs, (st) => {
    for (const def of defs) {
      const d = (st as LifecycleState).defs[def];
      must(d.importers === 0 ? d.myLock === 0 : d.myLock === d.handle, `P8: ${def}'s my_lock names lock object ${d.myLock} while epoch ${d.handle} is live`);
    }
  });
}

/** Registry families: ensures are per live interpreter, entries unique per (def, name), a holder holds an ensure. */
export function registryWellFormed(model: AnyFamilyModel, invs: readonly Invocation[]): void {
  execute(model, invs, (st) => {
    const s = st as GlobalLockState | RuntimeStoreState;
    const seen = new Set<string>();
    for (const e of s.reg.slots) {
      if (!e) continue;
      must(e.refs !== 0, "D4: a live entry has an ensure");
      must((e.refs & ~userBitsOfAlive(s.rt.alive)) === 0, "D13: only live interpreters hold ensures");
      must(!seen.has(`${e.def}.${e.name}`), `D6: one entry per (def, name) (${e.def}.${e.name} twice)`);
      seen.add(`${e.def}.${e.name}`);
      if ("holder" in e.payload && e.payload.holder !== 0) must((e.refs & userBitsOf(e.payload.holder)) !== 0, "D7: a lock's holder holds an ensure of it");
    }
  });
}

/** Every family: runtime finalisation leaves nothing behind and, with the wait of D3, nothing leaks. */
export function finalizeLeavesNothing(model: AnyFamilyModel, invs: readonly Invocation[]): void {
  execute(model, invs, (state, e) => {
    if (e.call._tag !== "Py_FinalizeEx" || e.result === "blocked" || e.result._tag !== "Ok") return;
    must(model.ghost(state).leaks === 0, "P7: finalisation after every subinterpreter ended leaks nothing");
    if ("reg" in (state as object)) {
      must((state as GlobalLockState | RuntimeStoreState).reg.slots.every((x) => x === null), "P7: finalisation frees every registry entry");
    } else {
      for (const def of defs) {
        const d = (state as LifecycleState).defs[def];
        must(d.importers === 0 && d.handle === 0 && d.holder === 0, `P7: finalisation leaves ${def} unloaded`);
      }
    }
  });
}

/**
 * Which calls may block: only lock acquisitions (and what takes the lock), finalisation waiting for
 * subinterpreters, and — in the shipped baseline, whose m_free waits for the PyMutex (D14) — ending.
 */
export function onlyLocksBlock(model: AnyFamilyModel, invs: readonly Invocation[]): void {
  const blocking = new Set(["PyThread_acquire_lock", "PyMutex_Lock", "mod_init", "mod_free", "mod_exec", "Py_FinalizeEx"]);
  for (const tag of profileOf(model).blockingRuntimeCalls ?? []) blocking.add(tag);
  for (const e of execute(model, invs)) if (e.result === "blocked") must(blocking.has(e.call._tag), `${e.call._tag} blocked`);
}

/** Every invariant check by name, with the families it applies to. */
export const invariants: readonly (readonly [name: string, applies: (family: string) => boolean, check: (model: AnyFamilyModel, invs: readonly Invocation[]) => void])[] = [
  ["every misuse returns its error and changes nothing", () => true, misuseChangesNothing],
  ["runtime finalisation leaves nothing behind and nothing leaks", () => true, finalizeLeavesNothing],
  ["only a call waiting for a lock, or finalisation waiting for subinterpreters, blocks", () => true, onlyLocksBlock],
  ["init and exit balance per epoch", lifecycle, epochsBalance],
  ["every use sees the handle of a fully set-up epoch", lifecycle, usesSeeSetUpState],
  ["the extension's static lock pointer never names a freed lock object (P8)", (f) => traitsOf(f)?.lockObject === true, staticLockPointerNeverDangles],
  ["ensures are per interpreter and entries unique per (def, name)", registry, registryWellFormed],
  ["a stale index never reaches a newer entry (P8)", registry, noStaleIndexSucceeds],
];

export { RuleBroken };
