import { describe, expect, it } from "vitest";
import {
  describeResult,
  ghostSummary,
  globalLockModel,
  models,
  moduleSlotsModel,
  refcountedLockModel,
  runtimeStoreModel,
  staticMutexModel,
  type AnyFamilyModel,
} from "./index.js";
import { ghostRules, globalLockRules, moduleSlotsRules, refcountedLockRules, runtimeStoreRules, staticMutexRules, type Line } from "./examples.js";

/**
 * Example tests: every rule of every family, as a script of calls and the result each one must
 * return ("blocks" when the call is not enabled). Each script starts from the initial state with
 * three interpreters and a registry of four slots.
 */

function runScript(model: AnyFamilyModel, script: readonly Line[]): { results: string[]; state: unknown } {
  let s = model.init();
  const results: string[] = [];
  for (const [interp, call] of script) {
    const r = model.step(s, interp, call);
    if (!r) {
      results.push("blocks");
      continue;
    }
    results.push(describeResult(r.result));
    s = r.state;
  }
  return { results, state: s };
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
      expect(runScript(model, script).results).toEqual(script.map((l) => l[2]));
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

describe("ghost state: what no result shows", () => {
  it.each(ghostRules)("%s", (_name, rule) => {
    const { results, state } = runScript(models[rule.family], rule.script);
    expect(results).toEqual(rule.script.map((l) => l[2]));
    const ghost = ghostSummary(models[rule.family].ghost(state));
    expect(Object.fromEntries(Object.keys(rule.ghost).map((k) => [k, ghost[k]]))).toEqual(rule.ghost);
  });
});
