import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { familyNames, models, profiles, registerFamily, runtimeCallTags } from "../model/index.js";
import { implementations, registerImplementation } from "../impl/index.js";
import fc from "fast-check";
import { checkAgreement } from "../properties/judge/agreement.js";
import { classifyDisagreement } from "../properties/judge/property-classifier.js";
import { lockFamilies, siblingThreadPrograms, typicalProgram } from "../properties/workload/typical-programs.js";
import { criticalMinimum } from "../properties/workload/critical-programs.js";
import { defaultVerifySettings, planJobs, runJob, type VerifySettings } from "../properties/verify/jobs.js";
import { programsArbitrary } from "../properties/workload/program-arbitraries.js";
import { counterCall, counterProfile } from "./fixtures/family/model.js";
import { counterImplProfile, counterSubject } from "./fixtures/family/impl.js";
import { sourceFiles } from "../properties/io/source-files.js";

// The fixture family is registered here and nowhere else: its two files plus these two lines are
// all it takes for the generic machinery to run it.
const family = registerFamily(counterProfile);
registerImplementation(family, counterImplProfile);

const add = counterCall("counter_add");
const get = counterCall("counter_get");

describe("a family added from outside runs through the generic machinery", () => {
  it("is found by name in the model and implementation registries, but not offered on the command line", () => {
    expect(models[family]).toBe(counterProfile.model);
    expect(profiles[family]).toBe(counterProfile);
    expect(implementations[family]).toBe(counterImplProfile.subject);
    expect(familyNames).not.toContain(family);
    expect(() => registerFamily(counterProfile)).toThrow(/registered already/);
  });

  it("its model steps", () => {
    const m = models[family];
    const s1 = m.step(m.init(), 1, add);
    expect(s1?.result).toEqual({ _tag: "Ok", value: 1 });
    expect(m.describeState(m.step(s1!.state, 2, add)!.state)).toBe("count 2");
  });

  it("its implementation agrees with its model over every interleaving", () => {
    const r = checkAgreement({ family, programs: [[add, get], [add]], strategy: { kind: "exhaustive" } });
    expect(r.verdict).toBe("ok");
    expect(r.stats.executions).toBeGreaterThan(1);
  });

  it("a broken implementation of it (the add outside the lock) is caught: two adds return the same count", () => {
    const r = checkAgreement({ family, subject: counterSubject({ interpreters: 2, capacity: 4 }, true), programs: [[add], [add]], strategy: { kind: "exhaustive" } });
    expect(r.verdict).toBe("violation");
  });
});

describe("the generic workloads and jobs run it from its profile alone", () => {
  const settings: VerifySettings = { ...defaultVerifySettings, families: [family], strategies: ["exhaustive", "random"], interpreters: 2, capacity: 4, programSets: 5, runs: 40 };
  const [exhaustive, random] = planJobs(settings);

  it("its typical program is its usage's, it has no lock holder, and no stress program", () => {
    expect(typicalProgram(family, 2)).toEqual([add, get, add, get]);
    expect(lockFamilies).not.toContain(family);
    expect(() => siblingThreadPrograms(family)).toThrow(/no lock/);
    expect(criticalMinimum(family)).toBeUndefined();
  });

  it("its fast-check programs are sessions of its own calls, without runtime calls (it has none)", () => {
    const sets = fc.sample(programsArbitrary(family, 2, 4), { numRuns: 20, seed: 7 });
    const calls = sets.flat(2);
    expect(calls.length).toBeGreaterThan(0);
    expect(new Set(calls.map((c) => c._tag))).toEqual(new Set(["counter_add", "counter_get"]));
    // Most programs start with a session, which opens with its usage's open call (the rest with a call out of place).
    const programs = sets.flat().filter((p) => p.length > 0);
    expect(programs.filter((p) => p[0]!._tag === add._tag).length).toBeGreaterThan(programs.length / 2);
  });

  it("its exhaustive job (the typical program) and its random job (fast-check programs) agree with the model", () => {
    expect(exhaustive!.id).toBe(`${family}.exhaustive`);
    expect(runJob(exhaustive!, settings).result.verdict).toBe("ok");
    const r = runJob(random!, settings);
    expect(r.result.verdict).toBe("ok");
    expect(r.programSets).toBe(5);
  });

  it("its random job catches the broken implementation, and the judge calls it an agreement failure (no symptom is known for its calls)", () => {
    const r = runJob(random!, settings, (config) => counterSubject(config, true));
    expect(r.result.verdict).toBe("violation");
    expect(classifyDisagreement(add, { _tag: "Ok", value: 1 }, { _tag: "Ok", value: 2 }).property).toBe("agreement");
  });
});

/**
 * Family-specific behaviour lives in the profiles (model/profiles.ts, impl/profiles.ts): nothing
 * else compares a family's name against a string literal (`family === "module_slots"`,
 * `case "global_lock":`) or writes the runtime calls out as a list. The allowlist holds the files
 * still to fold (owned elsewhere at the time of writing) — it may only shrink.
 */
const allowed = new Set([
  "model/profiles.ts",
  "model/common.ts", // runtimeCallTags: the one list of the runtime calls
  "impl/profiles.ts",
]);
const skipped = new Set(["node_modules", "dist", ".git", "api", "test", "examples", "fixtures", "mutants"]);

/** The classes of the built-in families: asking a value whether it is one is a switch on the family too. */
const familyClasses = /\binstanceof\s+(GlobalLock|RuntimeStore|ModuleSlots|RefcountedLock|StaticMutex|Registry|Lifecycle)\b/;

/**
 * The lines of `source` that switch on a family name (or a family's class) or spell out the runtime
 * calls: a comparison with a family's name (`===`, `case`), a choice between families
 * (`? "module_slots" :`), or a table keyed by family (`static_mutex: …` at the start of a line).
 */
export function familySwitches(source: string, names: readonly string[], runtimeTags: readonly string[]): string[] {
  const name = names.join("|");
  const compare = new RegExp(
    `[=!]==\\s*"(${name})"|"(${name})"\\s*[=!]==|\\bcase\\s+"(${name})"\\s*:|\\?\\s*"(${name})"\\s*:|^\\s*"?(${name})"?\\s*:`,
  );
  const tag = `"(?:${runtimeTags.join("|")})"`;
  const list = new RegExp(`${tag}\\s*[,|]\\s*${tag}\\s*[,|]\\s*${tag}`);
  return source.split("\n").filter((line) => compare.test(line) || list.test(line) || familyClasses.test(line));
}

describe("family-specific code lives in the profiles", () => {
  it("no source file outside the profiles switches on a family name or class, or writes out the runtime calls", () => {
    const root = join(import.meta.dirname, "..");
    const found = sourceFiles(root, skipped)
      .filter((f) => !allowed.has(f))
      .flatMap((f) => familySwitches(readFileSync(join(root, f), "utf8"), familyNames, runtimeCallTags).map((line) => `${f}: ${line.trim()}`));
    expect(found).toEqual([]);
  });

  it("the check finds a switch on a family name and a written-out runtime call list", () => {
    const broken = [
      `if (family === "static_mutex") blocking.add("x");`,
      `  case "global_lock":`,
      `const tags = new Set(["Py_NewInterpreter", "Py_EndInterpreter", "Py_FinalizeEx", "Py_Initialize"]);`,
      `const fine = profiles[family].globalState === "registry";`,
      `const storeCounts = impl instanceof RuntimeStore;`,
      `[2, RT("Py_EndInterpreter"), "0"], [3, RT("Py_EndInterpreter"), "0"], [1, RT("Py_FinalizeEx"), "0"],`,
      `  return exported.has(cHooks.globalInit) ? "module_slots" : "static_mutex";`,
      `  module_slots: { open: "PyModule_ExecDef", close: "unload_module", uses: ["use_global_state"] },`,
      `  family: "module_slots",`,
    ].join("\n");
    expect(familySwitches(broken, familyNames, runtimeCallTags)).toHaveLength(6);
  });
});
