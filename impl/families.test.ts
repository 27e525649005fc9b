import { test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import {
  defaultConfig,
  describeResult,
  equalResult,
  emptyCarry,
  familyNames,
  globalLockModel,
  models,
  moduleSlotsModel,
  refcountedLockModel,
  resolveCall,
  runtimeStoreModel,
  staticMutexModel,
  updateCarry,
  type AnyCall,
  type AnyFamilyModel,
  type FamilyName,
  type Ghost,
  type ModelConfig,
  type Result,
  refTo,
} from "../model/index.js";
import { checkHistory, type Model, type Operation } from "../properties/checker/index.js";
import { ghostMismatch } from "../properties/judge/judge.js";
import { explore, type CallRecord, type Violation } from "../properties/explorer/index.js";
import { invocationsArbitrary } from "../properties/workload/program-arbitraries.js";
import { implementations, ModuleSlots, module_slots, type AnySubject } from "./index.js";
import { AccessOp, AtomicsMemory, performPlain, WaitResult, type Access, type Code } from "./memory.js";
import {
  D,
  E,
  L,
  MI,
  RI,
  RT,
  S,
  SE,
  SX,
  ghostRules,
  globalLockRules,
  moduleSlotsRules,
  refcountedLockRules,
  runtimeStoreRules,
  staticMutexRules,
  type Line,
} from "../model/examples.js";

/**
 * The Atomics implementation of every family, run sequentially against the model: every example
 * script of model/examples.ts (the same tables model/model.test.ts runs on the model), plus scripts of our own, on both memories; random call sequences; capacity exhaustion.
 *
 * A sequential driver cannot unblock anything, so a call that reaches a futex `wait` on a word
 * that still holds the expected value *blocks*: the driver reports "blocks" and restores memory to
 * what it was before the call (a call that is not enabled has no effect, as in the model).
 */

// ---- scripts of our own: what the implementation must also get right ------------------------

const ownGlobalLockRules: [string, Line[]][] = [
  ["library calls counted under a lock survive its holders changing", [
    [1, E("odbc", "henv"), "1"], [2, E("odbc", "henv"), "1"], [1, L("PyThread_acquire_lock", 1), "0"], [1, L("call_unsafe_library", 1), "1"],
    [1, L("PyThread_release_lock", 1), "0"], [2, L("PyThread_acquire_lock", 1), "0"], [2, L("call_unsafe_library", 1), "2"],
  ]],
  ["a freed slot is reused lowest-first with a new generation while other slots keep theirs", [
    [1, E("odbc", "henv"), "1"], [1, E("odbc", "ext1"), "2"], [1, L("PyThread_ReleaseGlobalLock", 1), "0"], [1, E("mylib", "ext2"), "257"],
    [1, L("PyThread_GetGlobalLock", 2, "odbc", "ext1"), "2"], [1, L("PyThread_GetGlobalLock", 257, "mylib", "ext2"), "257"],
  ]],
];

const ownRuntimeStoreRules: [string, Line[]][] = [
  ["keys from before runtime finalisation stay stale after re-initialisation", [
    [1, SE("odbc", "henv"), "1"], [1, S("PyRuntime_store_set", 1, { value: 5, owner: "raw" }), "0"], [2, RT("Py_EndInterpreter"), "0"],
    [3, RT("Py_EndInterpreter"), "0"], [1, RT("Py_FinalizeEx"), "0"], [1, RT("Py_Initialize"), "0"], [1, S("PyRuntime_store_get", 1), "error StaleIndex"],
    [1, SE("odbc", "henv"), "257"], [1, S("PyRuntime_store_is_set", 257), "0"],
  ]],
  ["a full store refuses a new key and keeps serving the old ones", [
    [1, SE("odbc", "henv"), "1"], [1, SE("odbc", "ext1"), "2"], [1, SE("odbc", "ext2"), "3"], [1, SE("mylib", "henv"), "4"],
    [2, SE("mylib", "ext1"), "error CapacityExhausted"], [1, S("PyRuntime_store_set", 4, { value: 3, owner: "raw" }), "0"], [1, S("PyRuntime_store_get", 4), "3"],
  ]],
];

const ownModuleSlotsRules: [string, Line[]][] = [
  ["an ending interpreter that was the last user of two defs runs both global_exits", [
    [2, MI("odbc"), "1"], [2, MI("mylib"), "1"], [2, RT("Py_EndInterpreter"), "0"], [3, MI("odbc"), "1"], [3, MI("mylib"), "1"],
    [3, D("use_global_state"), "2"], [3, D("use_global_state", "mylib"), "2"],
  ]],
];

const ownRefcountedLockRules: [string, Line[]][] = [
  ["an interpreter ends without waiting for another interpreter that holds the lock", [
    [2, RI("odbc"), "1"], [3, RI("odbc"), "0"], [3, D("PyThread_acquire_lock"), "0"], [2, RT("Py_EndInterpreter"), "0"],
    [3, D("use_global_state"), "1"], [3, D("PyThread_release_lock"), "0"], [3, D("mod_free"), "1"],
  ]],
  ["a lock freed by the last mod_free is allocated afresh for a new epoch", [
    [1, RI("odbc"), "1"], [1, D("mod_free"), "1"], [2, RI("odbc"), "1"], [2, D("PyThread_acquire_lock"), "0"], [2, D("call_unsafe_library"), "1"],
    [2, D("use_global_state"), "2"],
  ]],
];

const ownStaticMutexRules: [string, Line[]][] = [
  ["library calls under the mutex are counted across epochs (the counter is a static)", [
    [1, SX("odbc"), "1"], [1, D("PyMutex_Lock"), "0"], [1, D("call_unsafe_library"), "1"], [1, D("PyMutex_Unlock"), "0"], [1, D("mod_free"), "1"],
    [2, SX("odbc"), "1"], [2, D("PyMutex_Lock"), "0"], [2, D("call_unsafe_library"), "2"],
  ]],
];

// ---- sequential drivers over the two memories -------------------------------------------------

/** A call's outcome as the model tables write it: the result, or "blocks". */
type Outcome = Result | "blocks";
const show = (o: Outcome): string => (o === "blocks" ? "blocks" : describeResult(o));

/** Accesses one call may make before the driver calls it a livelock. */
const MAX_ACCESSES = 100_000;

/** How one memory performs an access; "blocked" for a wait that would sleep. */
type Perform = (access: Access) => number | "blocked";

/** Plain Int32Array, stepped with performPlain; a wait on a still-matching word blocks. */
function plainMemory(words: number): { mem: Int32Array; perform: Perform } {
  const mem = new Int32Array(words);
  return {
    mem,
    perform: (a) => {
      if (a.op === AccessOp.wait) return mem[a.addr] === a.a ? "blocked" : WaitResult.notEqual;
      if (a.op === AccessOp.notify) return 0; // nobody sleeps in a sequential run
      return performPlain(mem, a);
    },
  };
}

/** The real backend: Atomics on a SharedArrayBuffer. A wait with timeout 0 that times out would have slept. */
function atomicsMemory(words: number): { mem: Int32Array; perform: Perform } {
  const memory = AtomicsMemory.allocate(words, 0);
  return {
    mem: memory.words,
    perform: (a) => {
      const v = memory.perform(a);
      return a.op === AccessOp.wait && v === WaitResult.timedOut ? "blocked" : v;
    },
  };
}

const backends = { plain: plainMemory, atomics: atomicsMemory } as const;
type Backend = keyof typeof backends;

/** One implementation instance driven sequentially: memory, and each interpreter's carry. */
class Sequential {
  readonly mem: Int32Array;
  private readonly perform: Perform;
  private readonly carries = new Map<number, readonly number[]>();

  constructor(
    readonly subject: AnySubject,
    backend: Backend,
  ) {
    const m = backends[backend](subject.words);
    this.mem = m.mem;
    this.perform = m.perform;
    subject.init?.(this.mem);
  }

  call(interp: number, call: AnyCall): Outcome {
    const carry = this.carries.get(interp) ?? emptyCarry;
    const before = this.mem.slice();
    const code: Code<Result> = this.subject.start(interp, call, carry);
    let step = code.next();
    for (let n = 0; !step.done; n++) {
      if (n > MAX_ACCESSES) throw new Error(`${this.subject.name}: ${JSON.stringify(call)} in interp ${interp} made over ${MAX_ACCESSES} accesses`);
      const v = this.perform(step.value);
      if (v === "blocked") {
        this.mem.set(before);
        return "blocks";
      }
      step = code.next(v);
    }
    if (this.subject.after) this.carries.set(interp, this.subject.after(interp, call, step.value, carry));
    return step.value;
  }
}

/** The model driven the same way, with the same carry rules. */
class ModelRun {
  private state: unknown;
  private readonly carries = new Map<number, readonly number[]>();
  constructor(
    readonly model: AnyFamilyModel,
    config: ModelConfig,
  ) {
    this.state = model.init(config);
  }
  ghost(): Ghost {
    return this.model.ghost(this.state);
  }
  call(interp: number, call: AnyCall): Outcome {
    const carry = this.carries.get(interp) ?? emptyCarry;
    const r = this.model.step(this.state, interp, resolveCall(call, carry));
    if (!r) return "blocks";
    this.state = r.state;
    this.carries.set(interp, updateCarry(call, r.result, carry));
    return r.result;
  }
}

const scripts: [FamilyName, AnyFamilyModel, [string, Line[]][]][] = [
  ["global_lock", globalLockModel, [...globalLockRules, ...ownGlobalLockRules]],
  ["runtime_store", runtimeStoreModel, [...runtimeStoreRules, ...ownRuntimeStoreRules]],
  ["module_slots", moduleSlotsModel, [...moduleSlotsRules, ...ownModuleSlotsRules]],
  ["refcounted_lock", refcountedLockModel, [...refcountedLockRules, ...ownRefcountedLockRules]],
  ["static_mutex", staticMutexModel, [...staticMutexRules, ...ownStaticMutexRules]],
];

/**
 * Runs one call on the model and on the implementation and compares both the results and the
 * ghost counters the implementation's decoding names (model/README.md "Ghost state"): a wrong
 * ghost is a disagreement even where every result agrees. Returns the implementation's outcome.
 */
function lockstep(model: ModelRun, impl: Sequential, interp: number, call: AnyCall): string {
  const want = show(model.call(interp, call));
  const got = show(impl.call(interp, call));
  if (got !== want) throw new Error(`${JSON.stringify(call)} in interp ${interp}: model ${want}, implementation ${got}`);
  const fields = impl.subject.decode?.(impl.mem);
  const wrong = fields && ghostMismatch(model.ghost(), fields);
  if (wrong) throw new Error(`after ${JSON.stringify(call)} in interp ${interp}: ${wrong.property}: ${wrong.message}`);
  return got;
}

/** A script with a second thread of some interpreter (D18) needs an implementation that looks for sibling threads. */
const configFor = (script: readonly Line[]): ModelConfig => (script.some(([t]) => t > 8) ? { ...defaultConfig, threads: 2 } : defaultConfig);

const ghostScripts = (family: FamilyName): [string, Line[]][] => ghostRules.filter(([, r]) => r.family === family).map(([name, r]) => [name, r.script]);

for (const [family, model, rules] of scripts) {
  describe(`${family}: the implementation follows every rule of the model`, () => {
    it.each(rules)("%s (and the model agrees with the script)", (_name, script) => {
      const m = new ModelRun(model, defaultConfig);
      expect(script.map(([i, c]) => show(m.call(i, c)))).toEqual(script.map((l) => l[2]));
    });
    for (const backend of ["plain", "atomics"] as const) {
      it.each([...rules, ...ghostScripts(family)])(`%s (on ${backend} memory, ghost counters compared after every call)`, (_name, script) => {
        const m = new ModelRun(model, defaultConfig);
        const run = new Sequential(implementations[family](configFor(script)), backend);
        expect(script.map(([i, c]) => lockstep(m, run, i, c))).toEqual(script.map((l) => l[2]));
      });
    }
  });
}

describe("random call sequences give exactly the model's results", () => {
  for (const family of familyNames) {
    test.prop([invocationsArbitrary(family, defaultConfig.interpreters, 40)], { numRuns: 150 })(
      `${family}: every call returns what the model returns, blocking where the model blocks`,
      (invocations) => {
        const model = new ModelRun(models[family], defaultConfig);
        const impl = new Sequential(implementations[family](defaultConfig), "plain");
        for (const { interp, call } of invocations) lockstep(model, impl, interp, call);
      },
    );
  }
});

describe("random call sequences without runtime calls give exactly the model's results", () => {
  for (const family of familyNames) {
    test.prop([invocationsArbitrary(family, defaultConfig.interpreters, 60, { runtime: false })], { numRuns: 100 })(
      `${family}: long runs of the family's own calls agree with the model call by call`,
      (invocations) => {
        const model = new ModelRun(models[family], defaultConfig);
        const impl = new Sequential(implementations[family](defaultConfig), "atomics");
        for (const { interp, call } of invocations) lockstep(model, impl, interp, call);
      },
    );
  }
});

describe("capacity exhaustion", () => {
  const ensureOf = (family: "global_lock" | "runtime_store") => (def: "odbc" | "mylib", name: "henv" | "ext1" | "ext2"): AnyCall =>
    family === "global_lock" ? E(def, name) : SE(def, name);
  const pairs = [["odbc", "henv"], ["odbc", "ext1"], ["odbc", "ext2"], ["mylib", "henv"], ["mylib", "ext1"], ["mylib", "ext2"]] as const;
  const cases = (["global_lock", "runtime_store"] as const).flatMap((family) => [1, 2, 5].map((capacity) => [family, capacity] as const));

  it.each(cases)("%s with %i slots refuses one lock too many with CapacityExhausted and changes no word", (family, capacity) => {
    const config = { interpreters: 3, capacity };
    const run = new Sequential(implementations[family](config), "plain");
    const ensure = ensureOf(family);
    const fill = pairs.slice(0, capacity);
    fill.forEach(([d, n], slot) => expect(run.call(1, ensure(d, n))).toEqual({ _tag: "Ok", value: slot + 1 }));
    const [def, name] = pairs[capacity]!;
    const before = run.mem.slice();
    expect(run.call(2, ensure(def, name))).toEqual({ _tag: "Err", error: "CapacityExhausted" });
    expect(run.mem).toEqual(before);
    // The entries already there still serve their users.
    expect(run.call(2, ensure(fill[0]![0], fill[0]![1]))).toEqual({ _tag: "Ok", value: 1 });
  });
});

describe("memory decodes into named fields", () => {
  it("a refcounted lock object is allocated on the first mod_init and freed after the last mod_free", () => {
    const subject = implementations.refcounted_lock(defaultConfig);
    const run = new Sequential(subject, "plain");
    run.call(1, RI("odbc"));
    run.call(2, RI("odbc"));
    expect(subject.decode?.(run.mem)).toMatchObject({ "odbc.lockRef": 1, "lock0.live": 1, "lock0.pins": 2, "odbc.count": 2, "odbc.handle": 1 });
    run.call(1, D("mod_free"));
    run.call(2, D("mod_free"));
    expect(subject.decode?.(run.mem)).toMatchObject({ "odbc.lockRef": 0, "lock0.live": 0, "lock0.pins": 0, "odbc.count": 0, "odbc.handle": 0, "odbc.exits": 1 });
  });

  it("an abandoned lock and a dangling value are counted in the runtime's ghost words", () => {
    const locks = new Sequential(implementations.global_lock(defaultConfig), "atomics");
    for (const [i, c] of [[2, E("odbc", "henv")], [2, L("PyThread_acquire_lock", 1)], [2, RT("Py_EndInterpreter")]] as [number, AnyCall][]) locks.call(i, c);
    expect(locks.subject.decode?.(locks.mem)).toMatchObject({ "ghost.abandoned": 1, "slot0.state": 0, "slot0.gen": 1 });
    const store = new Sequential(implementations.runtime_store(defaultConfig), "atomics");
    for (const [i, c] of [[1, SE("odbc", "henv")], [2, SE("odbc", "henv")], [2, S("PyRuntime_store_set", 1, { value: 9, owner: "interp" })], [2, RT("Py_EndInterpreter")]] as [number, AnyCall][]) store.call(i, c);
    expect(store.subject.decode?.(store.mem)).toMatchObject({ "ghost.dangling": 1, "slot0.value": 9, "slot0.owner": 0 });
  });
});

// ---- interleavings: the same code under the explorer's schedules, judged by the checker --------

/** An explorer history as checker operations, each call's carried references resolved in program order. */
function operations(history: readonly CallRecord<AnyCall, Result>[]): Operation<AnyCall, Result>[] {
  const carries = new Map<number, readonly number[]>();
  return [...history]
    .sort((a, b) => a.interp - b.interp || a.callIndex - b.callIndex)
    .map((r, id) => {
      const carry = carries.get(r.interp) ?? emptyCarry;
      const op: Operation<AnyCall, Result> = { id, interp: r.interp, call: resolveCall(r.call, carry), invoke: r.invoke };
      if (r.response !== null) {
        carries.set(r.interp, updateCarry(r.call, r.response.result, carry));
        op.respond = r.response.step;
        op.result = r.response.result;
      }
      return op;
    });
}

function linearizable(family: FamilyName): (history: readonly CallRecord<AnyCall, Result>[]) => Violation | undefined {
  const model = models[family];
  const spec: Model<unknown, AnyCall, Result> = {
    init: () => model.init(defaultConfig),
    step: (s, i, c) => model.step(s, i, c),
    equalResult,
    hash: (s) => model.key(s),
  };
  return (history) => {
    const v = checkHistory(spec, operations(history), { timeMs: 10_000 });
    return v.kind === "ok" ? undefined : { property: "agreement", message: v.kind === "violation" ? v.explanation : `check ${v.kind}` };
  };
}

const X = (o: Record<string, unknown>): AnyCall => o as unknown as AnyCall;
const henv = refTo("odbc", "henv");
const GL = (tag: string): AnyCall => X({ _tag: tag, def: "odbc", name: "henv", index: henv });
const imp = (def: "odbc" | "mylib", f: Record<string, boolean> = {}): AnyCall => MI(def, f) as AnyCall;

/** Programs (interp 1, 2, 3) aimed at the hard parts: contention, ending while holding, finalising, cross-def ends. */
const races: [string, FamilyName, AnyCall[][]][] = [
  ["two interpreters contend for a named lock while a third ends holding it", "global_lock", [
    [E("odbc", "henv"), GL("PyThread_acquire_lock"), GL("call_unsafe_library"), GL("PyThread_release_lock"), GL("PyThread_ReleaseGlobalLock")],
    [E("odbc", "henv"), GL("PyThread_acquire_lock"), GL("call_unsafe_library"), RT("Py_EndInterpreter")],
    [E("odbc", "henv"), GL("PyThread_acquire_lock"), GL("call_unsafe_library"), GL("PyThread_release_lock"), GL("PyThread_ReleaseGlobalLock"), E("odbc", "henv")],
  ]],
  ["runtime finalisation races interpreters ending and being created again", "global_lock", [
    [RT("Py_FinalizeEx"), RT("Py_Initialize"), E("odbc", "henv")],
    [E("odbc", "henv"), RT("Py_EndInterpreter"), RT("Py_NewInterpreter"), E("odbc", "ext1"), RT("Py_EndInterpreter")],
    [RT("Py_EndInterpreter"), RT("Py_NewInterpreter"), RT("Py_EndInterpreter")],
  ]],
  ["store values race an owner that ends", "runtime_store", [
    [SE("odbc", "henv"), S("PyRuntime_store_set", henv, { value: 1, owner: "interp" }), S("PyRuntime_store_release", henv)],
    [SE("odbc", "henv"), S("PyRuntime_store_get", henv), RT("Py_EndInterpreter")],
    [SE("odbc", "henv"), S("PyRuntime_store_delete", henv), S("PyRuntime_store_is_set", henv)],
  ]],
  ["an interpreter ending with instances of two defs is one step to everybody else", "module_slots", [
    [imp("mylib"), D("unload_module", "mylib")],
    [imp("odbc"), imp("mylib"), RT("Py_EndInterpreter")],
    [imp("odbc", { execFails: true }), imp("odbc"), D("unload_module"), imp("mylib"), D("use_global_state", "mylib")],
  ]],
  ["the static mutex is taken by users, importers, a failing init and an ending holder", "static_mutex", [
    [SX("odbc"), D("mod_free")],
    [SX("odbc"), D("PyMutex_Lock"), D("call_unsafe_library"), RT("Py_EndInterpreter")],
    [SX("odbc", true), SX("odbc"), D("PyMutex_Lock"), D("call_unsafe_library"), D("PyMutex_Unlock"), D("mod_free")],
  ]],
  ["the refcounted lock is allocated, shared, abandoned and freed under contention", "refcounted_lock", [
    [RI("odbc"), D("mod_free")],
    [RI("odbc"), D("PyThread_acquire_lock"), D("call_unsafe_library"), RT("Py_EndInterpreter")],
    [RI("odbc", true), RI("odbc"), D("PyThread_acquire_lock"), D("call_unsafe_library"), D("PyThread_release_lock"), D("mod_free"), D("use_global_state")],
  ]],
];

const programsOf = (calls: AnyCall[][]) => calls.map((c, t) => ({ interp: t + 1, calls: c }));

describe("under the explorer's schedules every history is linearizable with respect to the model", () => {
  it.each(races)("%s (%s)", (_name, family, calls) => {
    const check = linearizable(family);
    for (const strategy of [{ kind: "random", runs: 1500, seed: 5 }, { kind: "pct", runs: 1500, depth: 3, seed: 9 }] as const) {
      const r = explore(implementations[family](defaultConfig), programsOf(calls), { strategy, check: (ex) => check(ex.history) });
      expect(r.violation?.message).toBeUndefined();
      expect(r.verdict).toBe("ok");
    }
  });

  it("a variant whose Py_EndInterpreter skips the lifecycle locks is caught (the check can fail)", () => {
    class EndWithoutLifecycleLocks extends ModuleSlots {
      protected override *lockWorld(interp: number): Code<void> {
        yield* this.lockRuntime(interp);
      }
      protected override *unlockWorld(interp: number): Code<void> {
        yield* this.unlockRuntime(interp);
      }
    }
    const [, family, calls] = races.find((r) => r[1] === "module_slots")!;
    const mutant = module_slots(defaultConfig, new EndWithoutLifecycleLocks(defaultConfig), "module_slots/mutant:end-without-lifecycle-locks");
    const check = linearizable(family);
    const r = explore(mutant as unknown as AnySubject, programsOf(calls), { strategy: { kind: "random", runs: 1500, seed: 5 }, check: (ex) => check(ex.history) });
    expect(r.verdict).toBe("violation");
    // Caught either as a disagreement with the model or, earlier, as an unlocked access to state
    // the implementation declares lock-protected (the explorer checks that claim at every access).
    expect(["agreement", "P9"]).toContain(r.violation?.property);
  });
});
