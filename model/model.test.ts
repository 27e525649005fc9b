import { describe, expect, it } from "vitest";
import {
  describeResult,
  globalLockModel,
  models,
  moduleSlotsModel,
  refcountedLockModel,
  runtimeStoreModel,
  staticMutexModel,
  type AnyCall,
  type AnyFamilyModel,
} from "./index.js";
import {
  E,
  globalLockRules,
  L,
  moduleSlotsRules,
  refcountedLockRules,
  RT,
  runtimeStoreRules,
  S,
  SE,
  staticMutexRules,
  type Line,
} from "./examples.js";

/**
 * Example tests: every rule of every family, as a script of calls and the result each one must
 * return ("blocks" when the call is not enabled). Each script starts from the initial state with
 * three interpreters and a registry of four slots.
 */

function runScript(model: AnyFamilyModel, script: readonly Line[]): string[] {
  let s = model.init();
  const got: string[] = [];
  for (const [interp, call] of script) {
    const r = model.step(s, interp, call);
    if (!r) {
      got.push("blocks");
      continue;
    }
    got.push(describeResult(r.result));
    s = r.state;
  }
  return got;
}

const families: [string, AnyFamilyModel, [string, Line[]][]][] = [
  ["global_lock", globalLockModel, globalLockRules],
  ["runtime_store", runtimeStoreModel, runtimeStoreRules],
  ["module_slots", moduleSlotsModel, moduleSlotsRules],
  ["refcounted_lock", refcountedLockModel, refcountedLockRules],
  ["static_mutex", staticMutexModel, staticMutexRules],
];

for (const [family, model, rules] of families) {
  describe(`${family}: the rules`, () => {
    it.each(rules)("%s", (_name, script) => {
      expect(runScript(model, script)).toEqual(script.map((l) => l[2]));
    });
  });
}

describe("every call decodes through its family's Schema", () => {
  it.each(families)("the %s rules' calls are valid members of the family's Call schema", async (_f, model, rules) => {
    const { Schema } = await import("effect");
    const decode = Schema.decodeUnknownSync(model.Call);
    for (const [, script] of rules) for (const [, call] of script) expect(decode(call)).toEqual(call);
  });
});

describe("the configuration", () => {
  it.each(Object.entries(models))("%s refuses a capacity outside 1..255 and interpreters outside 1..8", (_family, model) => {
    for (const bad of [{ interpreters: 3, capacity: 0 }, { interpreters: 3, capacity: 256 }, { interpreters: 0, capacity: 4 }, { interpreters: 9, capacity: 4 }]) {
      expect(() => model.init(bad)).toThrow(RangeError);
    }
    expect(() => model.init({ interpreters: 1, capacity: 255 })).not.toThrow();
  });
});

describe("ghost state", () => {
  it("records a dangling interpreter-owned value when its owner dies (P4)", () => {
    let s = runtimeStoreModel.init();
    for (const [i, c] of [
      [1, SE("odbc", "henv")],
      [2, SE("odbc", "henv")],
      [2, S("PyRuntime_store_set", 1, { value: 9, owner: "interp" })],
      [2, RT("Py_EndInterpreter")],
    ] as [number, AnyCall][]) s = runtimeStoreModel.step(s, i, c as never)!.state;
    expect(runtimeStoreModel.ghost(s).dangling).toBe(1);
  });
  it("records an abandoned lock when its holder's interpreter ends", () => {
    let s = globalLockModel.init();
    for (const [i, c] of [[2, E("odbc", "henv")], [2, L("PyThread_acquire_lock", 1)], [2, RT("Py_EndInterpreter")]] as [number, AnyCall][]) {
      s = globalLockModel.step(s, i, c as never)!.state;
    }
    expect(globalLockModel.ghost(s).abandoned).toBe(1);
  });
});
