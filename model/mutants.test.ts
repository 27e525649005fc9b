import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeResult, type AnyFamilyModel, type FamilyName } from "./index.js";
import { ghostRules, globalLockRules, moduleSlotsRules, refcountedLockRules, runtimeStoreRules, staticMutexRules, type Line } from "./examples.js";
import { ghostSummary } from "./common.js";
import { invariants } from "./invariants.js";
import { modelMutants } from "./mutants.js";
import { invocationsArbitrary } from "../properties/workload/program-arbitraries.js";

/**
 * Tests with teeth: every model mutant (model/mutants.ts) breaks one rule, and the model's own
 * tests — its example scripts, its ghost rules, its invariants on a fixed sample of random
 * sequences — must notice. A mutant that survives names a rule nothing pins.
 */

const rules: Readonly<Record<FamilyName, [string, Line[]][]>> = {
  global_lock: globalLockRules,
  runtime_store: runtimeStoreRules,
  module_slots: moduleSlotsRules,
  refcounted_lock: refcountedLockRules,
  static_mutex: staticMutexRules,
};

function run(model: AnyFamilyModel, script: readonly Line[]): { results: string[]; state: unknown } {
  let s = model.init();
  const results: string[] = [];
  for (const [interp, call] of script) {
    const r = model.step(s, interp, call);
    results.push(r ? describeResult(r.result) : "blocks");
    if (r) s = r.state;
  }
  return { results, state: s };
}

/** The first of the model's tests that fails on `model`, or undefined when all pass. */
function firstCatch(family: FamilyName, model: AnyFamilyModel): string | undefined {
  for (const [name, script] of rules[family]) {
    if (run(model, script).results.join("|") !== script.map((l) => l[2]).join("|")) return `example: ${name}`;
  }
  for (const [name, rule] of ghostRules) {
    if (rule.family !== family) continue;
    const { results, state } = run(model, rule.script);
    const ghost = ghostSummary(model.ghost(state));
    if (results.join("|") !== rule.script.map((l) => l[2]).join("|") || Object.entries(rule.ghost).some(([k, v]) => ghost[k] !== v)) return `ghost rule: ${name}`;
  }
  const sample = fc.sample(invocationsArbitrary(family, 3, 50), { numRuns: 400, seed: 7 });
  for (const [name, applies, check] of invariants) {
    if (!applies(family)) continue;
    for (const invs of sample) {
      try {
        check(model, invs);
      } catch (e) {
        return `invariant: ${name} (${(e as Error).message})`;
      }
    }
  }
  return undefined;
}

describe("the model's tests catch every model mutant", () => {
  it("the catalogue names each mutant once", () => {
    expect(new Set(modelMutants.map((m) => m.id)).size).toBe(modelMutants.length);
  });

  it.each(modelMutants.map((m) => [m.id, m] as const))("%s is caught", (_id, m) => {
    expect(firstCatch(m.family, m.model), `${m.family}/${m.id} (${m.rule}) survives: ${m.description}`).toBeDefined();
  });
});
