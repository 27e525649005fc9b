import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The package entry (`interlock`, dist/index.js, built by `npm test`'s pretest) loads its heavy
 * parts — the models and effect's Schema, fast-check, the reports — on first use, so that importing
 * it stays light (issue 14: under 60 MB of RSS; `interlock bench checker --only import` measures
 * it). Here: what its static import graph reaches, and that every deferred export behaves as the
 * module's own in plain Node (a child process, because vitest's module runner keeps its own copy of
 * each module beside Node's).
 */
const ROOT = join(import.meta.dirname, "..");
const DIST = join(ROOT, "dist");

/** The packages (bare specifiers) a module's static imports reach, following relative imports. */
function eagerPackages(entry: string, read: (file: string) => string): string[] {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of read(file).matchAll(/^\s*(?:import|export)\s(?:[^;"]*?\sfrom\s)?\s*"([^"]+)"/gm)) {
      const specifier = m[1]!;
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier));
      else if (!specifier.startsWith("node:")) packages.add(specifier.split("/")[0]!);
    }
  };
  visit(entry);
  return [...packages].sort();
}

const readDist = (file: string): string => readFileSync(file, "utf8");

describe("the package entry", () => {
  it("imports neither effect nor fast-check until an export that needs them is used", () => {
    expect(eagerPackages(join(DIST, "index.js"), readDist)).toEqual([]);
  });

  it("the import-graph check itself finds effect behind a module that reaches the models", () => {
    expect(eagerPackages(join(DIST, "properties", "judge", "agreement.js"), readDist)).toContain("effect");
    const fake: Record<string, string> = { "/x/entry.js": 'export { a } from "./a.js";\nimport "./b.js";', "/x/a.js": 'import { Schema } from "effect";', "/x/b.js": "" };
    expect(eagerPackages("/x/entry.js", (f) => fake[f]!)).toEqual(["effect"]);
  });

  it("every deferred export behaves as its module's own, in plain Node", () => {
    const d = (p: string): string => JSON.stringify(new URL(`file://${join(DIST, p)}`).href);
    const script = `
      import assert from "node:assert/strict";
      const root = await import(${d("index.js")});
      const model = await import(${d("model/index.js")});
      const impl = await import(${d("impl/index.js")});
      const properties = await import(${d("properties/judge/property-classifier.js")});
      const scenarios = await import(${d("properties/scenarios/check-client.js")});
      const programs = await import(${d("properties/workload/typical-programs.js")});
      // Objects: the same properties, the very same values, enumerable, spreadable, serialisable.
      for (const [name, real] of [["models", model.models], ["defaultConfig", model.defaultConfig], ["implementations", impl.implementations], ["propertyNames", properties.propertyNames]]) {
        assert.deepEqual(Object.keys(root[name]), Object.keys(real), name);
        for (const key of Object.keys(real)) assert.equal(root[name][key], real[key], name + "." + key);
        assert.deepEqual({ ...root[name] }, { ...real }, name);
        assert.equal(JSON.stringify(root[name]), JSON.stringify(real), name);
        assert.equal(Object.keys(real)[0] in root[name], true, name);
        assert.equal(Object.getPrototypeOf(root[name]), Object.getPrototypeOf(real), name);
      }
      // An array stays an array.
      assert.equal(Array.isArray(root.scenarioIds), true);
      assert.equal(root.scenarioIds.length, scenarios.scenarioIds.length);
      assert.deepEqual([...root.scenarioIds], scenarios.scenarioIds);
      assert.deepEqual(root.scenarioIds.map((s) => s), scenarios.scenarioIds);
      assert.equal(JSON.stringify(root.scenarioIds), JSON.stringify(scenarios.scenarioIds));
      // The family names come from the registry (it loads the models), so they are deferred too.
      assert.equal(Array.isArray(root.familyNames), true);
      assert.deepEqual([...root.familyNames], model.familyNames);
      assert.equal(root.familyNames.includes("module_slots"), true);
      // Functions: named as the real ones, and calling them calls the real ones.
      assert.equal(root.checkAgreement.name, "checkAgreement");
      assert.deepEqual(root.typicalPrograms("module_slots", 2), programs.typicalPrograms("module_slots", 2));
      const r = root.checkAgreement({ family: "module_slots", programs: root.typicalPrograms("module_slots", 2), strategy: { kind: "exhaustive" }, config: { interpreters: 2, capacity: 4 } });
      assert.equal(r.verdict, "ok");
      // Eager exports are the module's own objects.
      const contract = await import(${d("properties/scenarios/contract.js")});
      assert.equal(root.ClientFailure, contract.ClientFailure);
      process.stdout.write("checked");
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(child.stderr).toBe("");
    expect(child.stdout).toBe("checked");
  });
});
