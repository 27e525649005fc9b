import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { familyNames, models, profiles, registerFamily, runtimeCallTags } from "../model/index.js";
import { implementations, registerImplementation } from "../impl/index.js";
import { checkAgreement } from "../properties/judge/agreement.js";
import { counterCall, counterProfile } from "./fixtures/family/model.js";
import { counterImplProfile, counterSubject } from "./fixtures/family/impl.js";

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

/**
 * Family-specific behaviour lives in the profiles (model/profiles.ts, impl/profiles.ts): nothing
 * else compares a family's name against a string literal (`family === "module_slots"`,
 * `case "global_lock":`) or writes the runtime calls out as a list. The allowlist holds the files
 * still to fold (owned elsewhere at the time of writing) — it may only shrink.
 */
const allowed = new Set([
  "model/profiles.ts",
  "model/common.ts", // runtimeCallTags: the one list of the runtime calls
  "model/mutants.ts", // deliberately broken models, one per family
  "impl/profiles.ts",
  "impl/layout.ts", // the per-def block of each lifecycle family (lifecycleLayout(kind))
  "model/lifecycle.ts", // to fold: the runtime-op tag union
  "properties/workload/program-arbitraries.ts", // to fold: its runtime tag set and per-family shapes
  "properties/verify/thread-stress.ts", // to fold: the library field per family
]);
const skipped = new Set(["node_modules", "dist", ".git", "api", "test", "examples", "fixtures", "mutants"]);

function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (!skipped.has(name) && !name.startsWith(".")) walk(path);
      } else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) out.push(relative(root, path));
    }
  };
  walk(root);
  return out;
}

/** The classes of the built-in families: asking a value whether it is one is a switch on the family too. */
const familyClasses = /\binstanceof\s+(GlobalLock|RuntimeStore|ModuleSlots|RefcountedLock|StaticMutex|Registry|Lifecycle)\b/;

/** The lines of `source` that switch on a family name (or a family's class) or spell out the runtime calls. */
export function familySwitches(source: string, names: readonly string[], runtimeTags: readonly string[]): string[] {
  const name = names.join("|");
  const compare = new RegExp(`[=!]==\\s*"(${name})"|"(${name})"\\s*[=!]==|\\bcase\\s+"(${name})"\\s*:`);
  const tag = `"(?:${runtimeTags.join("|")})"`;
  const list = new RegExp(`${tag}\\s*[,|]\\s*${tag}\\s*[,|]\\s*${tag}`);
  return source.split("\n").filter((line) => compare.test(line) || list.test(line) || familyClasses.test(line));
}

describe("family-specific code lives in the profiles", () => {
  it("no source file outside the profiles switches on a family name or class, or writes out the runtime calls", () => {
    const root = join(import.meta.dirname, "..");
    const found = sourceFiles(root)
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
    ].join("\n");
    expect(familySwitches(broken, familyNames, runtimeCallTags)).toHaveLength(4);
  });
});
