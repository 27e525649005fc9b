/**
 * The shipped C examples compiled with the bundled clang and explored like TypeScript code. The
 * compiler is loaded once for this file (several seconds); compiled modules are cached on disk.
 */
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { defaultConfig, type AnyCall, type Result } from "../model/index.js";
import type { Subject } from "../impl/subject.js";
import { checkAgreement } from "../properties/judge/agreement.js";
import { typicalPrograms } from "../properties/workload/typical-programs.js";
import { defaultVerifySettings, planJobs, runJob } from "../properties/verify/jobs.js";
import { scenarios } from "../properties/scenarios/scenarios.js";
import { buildReport } from "../reports/build.js";
import { renderMarkdown } from "../reports/render/markdown.js";
import { renderHtml } from "../reports/render/html.js";
import { decodeReport, encodeReport } from "../reports/io.js";
import { clientReport } from "./client-report.js";
import { loadImplModule } from "../cli/impl-module.js";
import { UsageError } from "../cli/errors.js";
import { checkCClient, defaultClientSettings, scenariosFor as scenariosForC } from "./client-check.js";
import { cClient } from "./client-column.js";
import { cClientCell, cClientFamily } from "./client.js";
import { definitionProblems } from "../properties/scenarios/definition.js";
import { columnOf } from "../properties/scenarios/harness.js";
import { checkClient } from "../properties/scenarios/check-client.js";
import { CCompileError, compileC, type CompiledC } from "./compile.js";
import { cFamilyFactory } from "./family.js";
import { CInstance } from "./runtime.js";

const example = (name: string): string => fileURLToPath(new URL(`../examples/c/${name}`, import.meta.url));
const henv = scenarios.find((s) => s.id === "henv")!;
const config = { ...defaultConfig, interpreters: 3 };

let slots: CompiledC;
let slotsBuggy: CompiledC;
let extFixed: CompiledC;
let extBuggy: CompiledC;
let extSlots: CompiledC;
let staticMutex: CompiledC;
let refcounted: CompiledC;
let lostWakeup: CompiledC;
let extGlobalLock: CompiledC;
let extGlobalLockBuggy: CompiledC;
beforeAll(async () => {
  staticMutex = await compileC(example("static_mutex.c"));
  refcounted = await compileC(example("refcounted_lock.c"));
  lostWakeup = await compileC(example("static_mutex_lost_wakeup.c"));
  slots = await compileC(example("module_slots.c"));
  slotsBuggy = await compileC(example("module_slots_check_outside_lock.c"));
  extFixed = await compileC(example("ext_static_mutex.c"));
  extBuggy = await compileC(example("ext_unlocked_count.c"));
  extSlots = await compileC(example("ext_module_slots.c"));
  extGlobalLock = await compileC(example("ext_global_lock.c"));
  extGlobalLockBuggy = await compileC(example("ext_global_lock_check_outside_lock.c"));
}, 300_000);

const explored = (subject: Subject<AnyCall, Result>, interpreters: number) =>
  checkAgreement({ family: "module_slots", subject, programs: typicalPrograms("module_slots", interpreters, 1), strategy: { kind: "exhaustive" }, config });

describe("a family implemented in C (way b)", () => {
  test("the C module_slots runtime agrees with the model on every interleaving of the typical program in 2 interpreters", () => {
    const r = explored(cFamilyFactory(slots, "module_slots")(config), 2);
    expect(r.verdict).toBe("ok");
    expect(r.coverage.guarantee).toBe("exhaustive");
    expect(r.stats.states).toBeGreaterThan(1000);
  });

  test("the C runtime counts module instances: two in one interpreter, unloaded in turn beside another interpreter ending with two, agree with the model on every interleaving", () => {
    const exec = { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false } as const;
    const second = (call: AnyCall): AnyCall => ({ ...call, instance: 2 }) as AnyCall;
    const programs: AnyCall[][] = [
      // instance 1's m_free must leave the global state instance 2 still uses.
      [exec, second(exec), { _tag: "unload_module", def: "odbc" }, second({ _tag: "use_global_state", def: "odbc" }), second({ _tag: "unload_module", def: "odbc" })],
      // ending an interpreter unloads both its instances at once.
      [second(exec), exec, second({ _tag: "use_global_state", def: "odbc" }), { _tag: "Py_EndInterpreter" }],
    ];
    const r = checkAgreement({ family: "module_slots", subject: cFamilyFactory(slots, "module_slots")(config), programs, strategy: { kind: "exhaustive" }, config });
    expect(r.violation?.message).toBeUndefined();
    expect(r.verdict).toBe("ok");
    expect(r.coverage.guarantee).toBe("exhaustive");
    expect(r.stats.states).toBeGreaterThan(1000);
  });

  test("the C runtime also agrees under PCT on the fast-check-sized program with runtime calls", () => {
    const subject = cFamilyFactory(slots, "module_slots")(config);
    const programs: AnyCall[][] = [
      [{ _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false }, { _tag: "Py_FinalizeEx" }, { _tag: "Py_Initialize" }],
      [{ _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: true, initImportsSelf: false }, { _tag: "Py_EndInterpreter" }],
      [{ _tag: "PyModule_ExecDef", def: "odbc", initFails: true, execFails: false, initImportsSelf: false }, { _tag: "use_global_state", def: "odbc" }, { _tag: "Py_EndInterpreter" }],
    ];
    const r = checkAgreement({ family: "module_slots", subject, programs, strategy: { kind: "pct", runs: 300, seed: 7 }, config });
    expect(r.verdict).toBe("ok");
  });

  test("the check-outside-the-lock variant is caught as P1, and its report's swimlane names module_slots.c lines", () => {
    const settings = { ...defaultVerifySettings, interpreters: 2, families: ["module_slots" as const], strategies: ["exhaustive" as const] };
    const job = planJobs(settings)[0]!;
    const factory = cFamilyFactory(slotsBuggy, "module_slots");
    const r = runJob(job, settings, factory);
    expect(r.result.verdict).toBe("violation");
    expect(r.result.violation?.property).toBe("P1");
    const report = buildReport({
      family: "module_slots",
      subject: factory(r.config).name,
      config: r.config,
      impl: example("module_slots_check_outside_lock.c"),
      limits: r.limits,
      programs: r.programs,
      strategy: "exhaustive",
      seed: 1,
      options: {},
      result: r.result,
      counterexample: r.counterexample,
      replay: "",
      elapsedMs: null,
    });
    const md = renderMarkdown(report);
    expect(md).toMatch(/load\(importers\\\[0\\\]\) = 0 — module_slots\.c:\d+ \(il_module_slots\)/);
    expect(md).toContain("interlock.h:");
  });

  test("the same C file and search give the same counterexample twice", () => {
    const a = explored(cFamilyFactory(slotsBuggy, "module_slots")(config), 2);
    const b = explored(cFamilyFactory(slotsBuggy, "module_slots")(config), 2);
    expect(b.violation?.token).toBe(a.violation?.token);
    expect(b.stats).toEqual({ ...a.stats, elapsedMs: b.stats.elapsedMs });
  });

  test("the globals a C file names with IL_INTERP_MASK / IL_INSTANCE_MASK let the explorer rename interpreters running identical programs", () => {
    const subject = cFamilyFactory(slots, "module_slots")(config);
    const names = new CInstance(slots).wordNames;
    expect(subject.interpWords).toEqual({ ids: [], masks: [names.indexOf("alive")], wideMasks: { words: [names.indexOf("importers[0]"), names.indexOf("importers[1]")], bitsPerInterp: 2 } });
    const exec = { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false } as const;
    const twin: AnyCall[] = [exec, { _tag: "use_global_state", def: "odbc" }, { _tag: "unload_module", def: "odbc" }];
    const r = checkAgreement({ family: "module_slots", subject, programs: [[exec], twin, twin], strategy: { kind: "exhaustive" }, config });
    expect(r.verdict).toBe("ok");
    expect(r.coverage.symmetry.applied).toBe(true);
    expect(r.coverage.sentence).toMatch(/modulo symmetry over interps \{2,3\}/);
  });

  test("--impl file.c loads the C file's families through the same loader as a TypeScript module", async () => {
    const factories = await loadImplModule(example("module_slots.c"));
    expect(Object.keys(factories)).toEqual(["module_slots"]);
  });
});

describe("the other families implemented in C (way b)", () => {
  const run = (family: "static_mutex" | "refcounted_lock", compiled: CompiledC, strategy: "exhaustive" | "bounded" | "pct" | "random") => {
    const settings = { ...defaultVerifySettings, interpreters: 2, families: [family], strategies: [strategy], runs: 200, programSets: 3 };
    const job = planJobs(settings)[0]!;
    return runJob(job, settings, cFamilyFactory(compiled, family));
  };

  test("the C static-mutex baseline agrees with the model on every interleaving of the typical program in 2 interpreters", () => {
    const r = run("static_mutex", staticMutex, "exhaustive");
    expect(r.result.violation?.message).toBeUndefined();
    expect(r.result.verdict).toBe("ok");
    expect(r.result.coverage.guarantee).toBe("exhaustive");
    expect(r.result.stats.states).toBeGreaterThan(10_000);
  });

  test("the C refcounted lock (the same file with an owned lock) agrees with the model on every interleaving", () => {
    const r = run("refcounted_lock", refcounted, "exhaustive");
    expect(r.result.violation?.message).toBeUndefined();
    expect(r.result.verdict).toBe("ok");
    expect(r.result.coverage.guarantee).toBe("exhaustive");
  });

  test("the unlock that wakes nobody is caught as a deadlock the model does not have (P6), its report naming static_mutex.c lines", () => {
    const r = run("static_mutex", lostWakeup, "exhaustive");
    expect(r.result.verdict).toBe("violation");
    expect(r.result.violation?.property).toBe("P6");
    expect(r.result.violation?.kind).toBe("deadlock");
    const report = buildReport({
      family: "static_mutex",
      subject: cFamilyFactory(lostWakeup, "static_mutex")(r.config).name,
      config: r.config,
      impl: example("static_mutex_lost_wakeup.c"),
      limits: r.limits,
      programs: r.programs,
      strategy: "exhaustive",
      seed: 1,
      options: {},
      result: r.result,
      counterexample: r.counterexample,
      replay: "",
      elapsedMs: null,
    });
    // the sleeper's futex wait, at the C line that made it
    expect(report.steps.some((s) => s.source?.file === "static_mutex.c" && s.source.function === "entry" && s.access.startsWith("wait(changes"))).toBe(true);
  });

  test.each(["bounded", "pct", "random"] as const)("the %s strategy also finds the lost wake-up in C and passes the fixed file", (strategy) => {
    expect(run("static_mutex", lostWakeup, strategy).result.verdict).toBe("violation");
    expect(run("static_mutex", staticMutex, strategy).result.verdict).toBe("ok");
  });
});

describe("a registry family implemented in C (way b)", () => {
  const run = (compiled: CompiledC, strategy: "exhaustive" | "random") => {
    const settings = { ...defaultVerifySettings, interpreters: 2, families: ["runtime_store" as const], strategies: [strategy], runs: 200, programSets: 5 };
    return runJob(planJobs(settings)[0]!, settings, cFamilyFactory(compiled, "runtime_store"));
  };

  test("the C runtime store (keys as slot and generation, values with owners) agrees with the model: every interleaving of the typical program, and fast-check programs with carried keys", async () => {
    const store = await compileC(example("runtime_store.c"));
    for (const strategy of ["exhaustive", "random"] as const) {
      const r = run(store, strategy);
      expect(r.result.violation?.message, strategy).toBeUndefined();
      expect(r.result.verdict, strategy).toBe("ok");
    }
  }, 300_000);

  test("the C named global locks (index verified against module and name, a blocking non-recursive lock) agree with the model: every interleaving, and fast-check programs", async () => {
    const locks = await compileC(example("global_lock.c"));
    for (const strategy of ["exhaustive", "random"] as const) {
      const settings = { ...defaultVerifySettings, interpreters: 2, families: ["global_lock" as const], strategies: [strategy], runs: 200, programSets: 5 };
      const r = runJob(planJobs(settings)[0]!, settings, cFamilyFactory(locks, "global_lock"));
      expect(r.result.violation?.message, strategy).toBeUndefined();
      expect(r.result.verdict, strategy).toBe("ok");
    }
  }, 300_000);

  test("the C runtime store that frees a slot without a new generation is caught at the first reuse", async () => {
    const r = run(await compileC(example("runtime_store_no_generation.c")), "exhaustive");
    expect(r.result.verdict).toBe("violation");
    expect(r.result.violation?.message).toMatch(/PyRuntime_store_ensure\(def=odbc, "henv"\) in interp \d returned 1: .*the model says 257/);
  }, 300_000);
});

describe("an extension written in C (way a)", () => {
  test("the extension that counts its instances under its PyMutex is safe in the henv scenario", () => {
    const row = checkCClient(extFixed, henv);
    expect(row.result.verdict).toBe("ok");
    expect(row.strategy).toBe("exhaustive");
  });

  test("the extension whose Py_mod_global_init / Py_mod_global_exit slots the module-slots runtime calls is safe in the henv scenario", () => {
    const row = checkCClient(extSlots, henv);
    expect(row.result.verdict).toBe("ok");
    expect(row.strategy).toBe("exhaustive");
  });

  test("the extension with module_count++ outside the lock is caught as P2, with a report whose swimlane gives each step's C file and line", () => {
    const row = checkCClient(extBuggy, henv);
    expect(row.result.verdict).toBe("violation");
    // the lost update of module_count: henv torn down while another instance still uses it (its
    // module_count is a C global of its own, not the count word the judge's P3 rule reads)
    expect(row.result.violation?.property).toBe("P2");
    const report = clientReport({ compiled: extBuggy, file: "examples/c/ext_unlocked_count.c", scenario: henv, row, seed: 1, options: {}, replay: "npx interlock replay x.json", elapsedMs: null });
    // the same schema as verify's reports: it encodes, and reads back equal
    expect(decodeReport(encodeReport(report), "test")).toEqual(report);
    expect(report.family).toBe("static_mutex");
    expect(report.violation?.property).toBe("P2");
    expect(report.config.options).toMatchObject({ client: "examples/c/ext_unlocked_count.c", scenario: "henv" });
    const lostUpdate = report.steps.find((s) => s.access.startsWith("store(module_count, 2)"));
    expect(lostUpdate?.source).toEqual({ file: "ext_static_mutex.c", line: 29, function: "Py_mod_exec" });
    // every step of the extension's code names its line; the library's steps name the C call that made them
    expect(report.steps.every((s) => s.source !== undefined && s.source.line > 0)).toBe(true);
    const md = renderMarkdown(report);
    expect(md).toMatch(/store\(module_count, 2\) — ext_static_mutex\.c:29 \(Py_mod_exec\)/);
    expect(md).toContain("il_library_fini called at ext_static_mutex.c:");
    expect(renderHtml(report)).toContain("ext_static_mutex.c:29 (Py_mod_exec)");
  });

  test("a fixed extension's report records the safe verdict and no counterexample", () => {
    const row = checkCClient(extFixed, henv);
    const report = clientReport({ compiled: extFixed, file: "ext_static_mutex.c", scenario: henv, row, seed: 1, options: {}, replay: "", elapsedMs: null });
    expect(report.verdict).toBe("ok");
    expect(report.violation).toBeNull();
    expect(report.coverage.guarantee).toBe("exhaustive");
  });
});

describe("a C extension through the client contract, against any family (way a)", () => {
  const pct = { strategy: "pct", maxStates: 100_000, runs: 300, seed: 1 } as const;

  test("a C file is a client definition whose hooks are its exports, and the family comes from --family, IL_FAMILY or its exports", () => {
    const d = cClient(extGlobalLock, "global_lock").definition;
    expect(definitionProblems(d)).toEqual([]);
    expect(d.family).toBe("global_lock");
    const column = columnOf(d);
    expect(["import", "unload", "use", "library"].every((op) => column.provides?.(op as never))).toBe(true);
    // it exports no acquire_resource / release_resource: the scenarios that call them are not run
    expect(column.provides?.("acquire")).toBe(false);
    expect(cClientFamily(extGlobalLock)).toBe("global_lock");
    expect(cClientFamily(extSlots)).toBe("module_slots");
    expect(cClientFamily(extFixed)).toBe("static_mutex");
    expect(() => cClientFamily(extGlobalLock, "static_mutex")).toThrow(/declares IL_FAMILY\(global_lock\), not static_mutex/);
    // a lifecycle family's callbacks under a family without them is refused, naming the fix
    expect(() => cClient(extSlots, "static_mutex")).toThrow(/exports no Py_mod_exec/);
  });

  test("the C extension on the named global lock is safe in the henv and library scenarios (PCT, 300 runs)", () => {
    for (const id of ["henv", "library"]) {
      const row = checkCClient(extGlobalLock, scenarios.find((s) => s.id === id)!, pct, "global_lock");
      expect(row.result.violation?.message).toBeUndefined();
      expect(row.result.verdict).toBe("ok");
      expect(row.result.stats.executions).toBe(300);
    }
  });

  test("the C extension that checks henv before taking the named lock is caught as P2 (as the global_lock_naive column is), and its report names the C lines of the lock and the library calls", () => {
    const row = checkCClient(extGlobalLockBuggy, henv, defaultClientSettings, "global_lock");
    expect(row.result.verdict).toBe("violation");
    expect(row.strategy).toBe("exhaustive");
    expect(row.result.violation?.property).toBe("P2");
    const report = clientReport({ compiled: extGlobalLockBuggy, file: "ext_global_lock_check_outside_lock.c", family: "global_lock", scenario: henv, row, seed: 1, options: {}, replay: "", elapsedMs: null });
    expect(report.family).toBe("global_lock");
    // the family's own steps are labelled with the C call and line that made them
    expect(report.steps.some((s) => s.source?.file === "ext_global_lock.c" && s.source.function === "Py_mod_exec" && s.source.line === 25)).toBe(true);
    const md = renderMarkdown(report);
    expect(md).toContain("PyThread_EnsureGlobalLock called at ext_global_lock.c:25 (Py_mod_exec)");
    // the unlocked check of henv (line 28) and the library init it guards (line 29)
    expect(md).toMatch(/load\(henv\) = 0 — ext_global_lock\.c:28 \(Py_mod_exec\)/);
    expect(md).toContain("il_library_init called at ext_global_lock.c:29 (Py_mod_exec)");
  });

  test("a C extension on the runtime store (ensure, is_set, set, get, release under its PyMutex) is safe in the henv scenario, and without the mutex it is caught", async () => {
    const source = (locked: boolean): string => `#include "interlock.h"
IL_FAMILY(runtime_store);
static PyModuleDef odbc_def = {"odbc", 0, 0, 0, 0};
static PyMutex mutex;
static int keys[4]; /* per interpreter: its key + 1 */
#define LOCK() ${locked ? "PyMutex_Lock(&mutex)" : "(void)0"}
#define UNLOCK() ${locked ? "PyMutex_Unlock(&mutex)" : "(void)0"}
static void drop(int key) {
  int h = 0;
  PyRuntime_store_get(key, &h);
  if (PyRuntime_store_release(key) == 1 && h != 0) il_library_fini(h);
}
int IL_EXPORT(Py_mod_exec)(int interp) {
  int key = PyRuntime_store_ensure(&odbc_def, "henv");
  if (key < 0) return -1;
  LOCK();
  if (PyRuntime_store_is_set(key) == 0) {
    int h = il_library_init();
    if (h == 0) { drop(key); UNLOCK(); return -1; }
    PyRuntime_store_set(key, h);
  }
  UNLOCK();
  keys[interp] = key + 1;
  return 0;
}
void IL_EXPORT(m_free)(int interp) {
  int key = keys[interp] - 1;
  if (key < 0) return;
  keys[interp] = 0;
  LOCK();
  drop(key);
  UNLOCK();
}
int IL_EXPORT(use_henv)(int interp) {
  int h = 0;
  PyRuntime_store_get(keys[interp] - 1, &h);
  return il_library_use(h);
}
`;
    const fixed = await compileC("/nonexistent-interlock-test/ext_store.c", source(true));
    const row = checkCClient(fixed, henv, pct);
    expect(row.result.violation?.message).toBeUndefined();
    expect(row.result.verdict).toBe("ok");
    const racy = await compileC("/nonexistent-interlock-test/ext_store_racy.c", source(false));
    const bad = checkCClient(racy, henv, pct);
    expect(bad.result.verdict).toBe("violation");
    expect(["P1", "P2"]).toContain(bad.result.violation?.property);
  }, 120_000);

  test("a C extension that acquires and releases several library resources under its PyMutex is safe in the resources and cache scenarios, and with its count updated outside the lock it is caught", async () => {
    const source = (bug: boolean): string => `#include "interlock.h"
IL_FAMILY(static_mutex);
static PyMutex mutex;
static int count[4], handle[4], imported[4];
static int get(int r);
static void put(int r);
/* the module instance holds henv; each acquire holds one more resource */
int IL_EXPORT(Py_mod_exec)(int interp) {
  if (get(IL_RES_henv) < 0) return -1;
  imported[interp] = 1;
  return 0;
}
void IL_EXPORT(m_free)(int interp) {
  if (!imported[interp]) return; /* a failed exec holds nothing */
  imported[interp] = 0;
  put(IL_RES_henv);
}
int IL_EXPORT(acquire_resource)(int interp, int r) { (void)interp; return get(r); }
int IL_EXPORT(release_resource)(int interp, int r) { (void)interp; put(r); return 0; }
static int get(int r) {
  PyMutex_Lock(&mutex);
  if (count[r] == 0) {
    int h = il_library_init_res(r);
    if (h == 0) { PyMutex_Unlock(&mutex); return -1; }
    handle[r] = h;
  }
${bug ? "  PyMutex_Unlock(&mutex);\n  count[r]++;" : "  count[r]++;\n  PyMutex_Unlock(&mutex);"}
  return 0;
}
static void put(int r) {
  PyMutex_Lock(&mutex);
  if (--count[r] == 0) { il_library_fini_res(r, handle[r]); handle[r] = 0; }
  PyMutex_Unlock(&mutex);
}
int IL_EXPORT(use_resource)(int interp, int r) { (void)interp; return il_library_use_res(r, handle[r]); }
`;
    const fixed = await compileC("/nonexistent-interlock-test/ext_resources.c", source(false));
    const runnable = scenariosForC(fixed).map((s) => s.id);
    expect(runnable).toEqual(expect.arrayContaining(["resources", "cache"]));
    for (const id of ["resources", "cache"]) {
      const row = checkCClient(fixed, scenarios.find((s) => s.id === id)!, pct);
      expect(row.result.violation?.message).toBeUndefined();
      expect(row.result.verdict).toBe("ok");
    }
    const buggy = await compileC("/nonexistent-interlock-test/ext_resources_unlocked.c", source(true));
    const bad = checkCClient(buggy, scenarios.find((s) => s.id === "cache")!, pct);
    expect(bad.result.verdict).toBe("violation");
    expect(["P1", "P2"]).toContain(bad.result.violation?.property);
  }, 120_000);

  test("the global init/exit extension runs under refcounted_lock too (its import and m_free are then mod_init / mod_free) and is safe in the henv scenario", () => {
    const row = checkCClient(extSlots, henv, pct, "refcounted_lock");
    expect(row.result.violation?.message).toBeUndefined();
    expect(row.result.verdict).toBe("ok");
    expect(cClientCell(extSlots, henv, undefined, "refcounted_lock").family).toBe("refcounted_lock");
  });

  test("a family call the family does not have fails the module under test, naming the call", async () => {
    const wrong = await compileC(
      "/nonexistent-interlock-test/wrong_family.c",
      `#include "interlock.h"
static PyModuleDef odbc_def = {"odbc", 0, 0, 0, 0};
int IL_EXPORT(Py_mod_exec)(int interp) { (void)interp; return PyThread_EnsureGlobalLock(&odbc_def, "henv") < 0 ? -1 : 0; }
void IL_EXPORT(m_free)(int interp) { (void)interp; }
int IL_EXPORT(use_henv)(int interp) { (void)interp; return 0; }
`,
    );
    const checks = checkClient(cClient(wrong, "static_mutex").definition, { scenarios: ["henv"], maxExhaustiveStates: 1000 });
    expect(checks[0]?.verdict).toBe("failed");
    expect(checks[0]?.message).toMatch(/PyThread_EnsureGlobalLock is not a call of the static_mutex family/);
  }, 120_000);
});

describe("bad C input", () => {
  const virtual = "/nonexistent-interlock-test/bad.c";

  test("a C file that does not compile is a usage error carrying clang's message", async () => {
    await expect(compileC(virtual, "int f(void) { return undefined_name; }\n")).rejects.toThrow(CCompileError);
    await expect(compileC(virtual, "int f(void) { return undefined_name; }\n")).rejects.toThrow(/bad\.c:1:\d+: error: use of undeclared identifier 'undefined_name'/);
  }, 120_000);

  test("a C file that links to invalid WebAssembly (two functions exported under one name) is a compile error saying so", async () => {
    const twice = `#include "interlock.h"
int __attribute__((export_name("il_module_slots"))) a(void) { return 0; }
int __attribute__((export_name("il_module_slots"))) b(void) { return 1; }
`;
    await expect(compileC("/nonexistent-interlock-test/twice.c", twice)).rejects.toThrow(/twice\.c: the linked module is not valid WebAssembly: .*[Dd]uplicate export name/);
  }, 120_000);

  test("--impl with a C file that does not compile exits as a usage error", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "interlock-c-"));
    writeFileSync(join(dir, "broken.c"), "int il_module_slots(int a) { return a +; }\n");
    await expect(loadImplModule(join(dir, "broken.c"))).rejects.toThrow(UsageError);
  }, 120_000);

  test("a C crash is a finding at the step that caused it", async () => {
    const crashing = await compileC(
      "/nonexistent-interlock-test/crash.c",
      `#include "interlock.h"
static PyMutex mutex;
static int count, henv;
int IL_EXPORT(Py_mod_exec)(int interp) {
  (void)interp;
  PyMutex_Lock(&mutex);
  if (count == 1) __builtin_trap();
  if (count++ == 0) henv = il_library_init();
  PyMutex_Unlock(&mutex);
  return 0;
}
void IL_EXPORT(m_free)(int interp) {
  (void)interp;
  PyMutex_Lock(&mutex);
  if (--count == 0) il_library_fini(henv);
  PyMutex_Unlock(&mutex);
}
int IL_EXPORT(use_henv)(int interp) { (void)interp; return il_library_use(henv); }
`,
    );
    const row = checkCClient(crashing, henv);
    expect(row.result.verdict).toBe("violation");
    expect(row.result.violation?.property).toBe("crash");
    expect(row.result.violation?.message).toMatch(/the C code trapped \(unreachable\) after crash\.c:7 \(Py_mod_exec\)/);
  }, 120_000);

  test("a C extension that never releases its lock deadlocks the next import, reported as P6", async () => {
    const stuck = await compileC(
      "/nonexistent-interlock-test/stuck.c",
      `#include "interlock.h"
static PyMutex mutex;
int IL_EXPORT(Py_mod_exec)(int interp) { (void)interp; PyMutex_Lock(&mutex); return 0; }
void IL_EXPORT(m_free)(int interp) { (void)interp; }
int IL_EXPORT(use_henv)(int interp) { (void)interp; return 0; }
`,
    );
    const row = checkCClient(stuck, henv);
    expect(row.result.violation?.property).toBe("P6");
    expect(row.result.violation?.kind).toBe("deadlock");
  }, 120_000);

  test("a char-sized global shared between interpreters is refused with its line", async () => {
    const narrow = await compileC(
      "/nonexistent-interlock-test/narrow.c",
      `#include "interlock.h"
static char ready;
int IL_EXPORT(Py_mod_exec)(int interp) { (void)interp; ready = 1; return 0; }
void IL_EXPORT(m_free)(int interp) { (void)interp; }
int IL_EXPORT(use_henv)(int interp) { (void)interp; return ready; }
`,
    );
    const row = checkCClient(narrow, henv);
    expect(row.result.violation?.message).toMatch(/a 1-byte access to shared memory at narrow\.c:3 \(Py_mod_exec\)/);
  }, 120_000);
});

describe("interlock client and replay on a C extension", () => {
  test("client writes JSON, Markdown and HTML reports for the buggy extension, exits 1, and replay reproduces the P2 from the JSON", async () => {
    const { cli } = await import("../test/cli-harness.js");
    const { mkdtempSync, existsSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "interlock-client-"));
    const r = await cli("client", example("ext_unlocked_count.c"), "--scenario", "henv", "--report-dir", dir);
    expect(r.code).toBe(1);
    const base = join(dir, "client", "ext_unlocked_count.henv");
    for (const ext of [".json", ".md", ".html"]) expect(existsSync(base + ext)).toBe(true);
    expect(existsSync(join(dir, "client", "index.html"))).toBe(true);
    expect(readFileSync(base + ".md", "utf8")).toMatch(/ext\\_static\\_mutex\.c:29 \(Py\\_mod\\_exec\)|ext_static_mutex\.c:29 \(Py_mod_exec\)/);
    const again = await cli("replay", base + ".json", "--json");
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out)).toMatchObject({ reproduced: true, property: "P2", expected: "P2", differences: [] });
    // replayed against the fixed extension, the schedule no longer fits its code: said, exit 2
    const fixed = await cli("replay", base + ".json", "--impl", example("ext_static_mutex.c"));
    expect(fixed.code).toBe(2);
    expect(fixed.err).toMatch(/the schedule no longer matches the code at step \d+/);
  }, 120_000);

  test("client --family global_lock catches the check outside the named lock (exit 1), replay reproduces it from the report's family, and a --family its IL_FAMILY contradicts is a usage error", async () => {
    const { cli } = await import("../test/cli-harness.js");
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "interlock-client-"));
    const r = await cli("client", example("ext_global_lock_check_outside_lock.c"), "--family", "global_lock", "--scenario", "henv", "--report-dir", dir, "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)[0]).toMatchObject({ scenario: "henv", verdict: "unsafe P2" });
    const again = await cli("replay", join(dir, "client", "ext_global_lock_check_outside_lock.henv.json"), "--json");
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out)).toMatchObject({ reproduced: true, property: "P2" });
    const wrong = await cli("client", example("ext_global_lock.c"), "--family", "static_mutex", "--report-dir", dir);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/declares IL_FAMILY\(global_lock\), not static_mutex: drop --family or pass --family global_lock/);
  }, 120_000);

  test("verify --client file.c runs the C extension through the same client check as a TypeScript client: the check outside the named lock is UNSAFE P2 (exit 1)", async () => {
    const { cli } = await import("../test/cli-harness.js");
    const r = await cli("verify", "--client", example("ext_global_lock_check_outside_lock.c"), "--family", "global_lock", "--scenario", "henv");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/henv\s+UNSAFE P2/);
  }, 120_000);

  test.each(["bounded", "pct", "random"] as const)("the %s strategy also catches the unlocked module_count++ (the lost update is named P3 by the count it unbalanced, or shows as P1/P2 where another symptom comes first)", (strategy) => {
    const row = checkCClient(extBuggy, henv, { strategy, maxStates: 500_000, runs: 500, seed: 1 });
    expect(row.strategy).toBe(strategy);
    expect(["P1", "P2", "P3"]).toContain(row.result.violation?.property);
    expect(checkCClient(extFixed, henv, { strategy, maxStates: 500_000, runs: 500, seed: 1 }).result.verdict).toBe("ok");
  });

  test("client on the fixed extension exits 0 under PCT and random schedules too", async () => {
    const { cli } = await import("../test/cli-harness.js");
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "interlock-client-"));
    for (const strategy of ["pct", "random"]) {
      const r = await cli("client", example("ext_static_mutex.c"), "--scenario", "henv", "--strategy", strategy, "--runs", "200", "--report-dir", dir, "--json");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)[0]).toMatchObject({ strategy, verdict: "safe" });
    }
  }, 120_000);

  test("client on a C file that does not compile exits 2 with clang's message and writes no report", async () => {
    const { cli } = await import("../test/cli-harness.js");
    const { mkdtempSync, writeFileSync, existsSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "interlock-client-"));
    writeFileSync(join(dir, "broken.c"), "int IL_EXPORT(Py_mod_exec)(int i) { return i +; }\n");
    const r = await cli("client", join(dir, "broken.c"), "--report-dir", join(dir, "out"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/broken\.c:1:\d+: error: /);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "out", "client", "broken.henv.json"))).toBe(false);
  }, 120_000);
});

describe("every explorer capability on C code", () => {
  test("a C counterexample's token replays to the same violation, and shrinking keeps the property in no more steps", async () => {
    const { agreementJudge } = await import("../properties/judge/judge.js");
    const { toPrograms } = await import("../properties/judge/agreement.js");
    const { explore, replay, shrink } = await import("../properties/explorer/index.js");
    const subject = cFamilyFactory(slotsBuggy, "module_slots")(config);
    const programs = toPrograms(typicalPrograms("module_slots", 2, 1));
    const judge = agreementJudge({ family: "module_slots", config, subject });
    const found = explore(subject, programs, { ...judge.hooks, strategy: { kind: "bounded", maxPreemptions: 2 } }).violation;
    expect(found?.property).toBe("P1");
    const again = replay(subject, programs, found!.token, judge.hooks);
    expect(again.status).toBe("replayed");
    expect(again.status === "replayed" ? again.violation?.property : undefined).toBe("P1");
    const small = shrink(subject, programs, found!.token, judge.hooks).violation;
    expect(small.property).toBe("P1");
    expect(small.execution.steps).toBeLessThanOrEqual(found!.execution.steps);
  });

  test("a C extension that spins on a flag nobody sets is a livelock (P6) at the step bound", async () => {
    const { explore } = await import("../properties/explorer/index.js");
    const { cClientCell } = await import("./client.js");
    const spin = await compileC(
      "/nonexistent-interlock-test/spin.c",
      `#include "interlock.h"
static int ready;
int IL_EXPORT(Py_mod_exec)(int interp) { (void)interp; while (_Py_atomic_load_int(&ready) == 0) {} return 0; }
void IL_EXPORT(m_free)(int interp) { (void)interp; }
int IL_EXPORT(use_henv)(int interp) { (void)interp; return 0; }
`,
    );
    const cell = cClientCell(spin, henv);
    const r = explore(cell.subject, cell.programs, { ...cell.hooks, strategy: { kind: "random", runs: 3, seed: 1 }, limits: { maxSteps: 200 } });
    expect(r.violation?.property).toBe("P6");
    expect(r.violation?.message).toMatch(/livelock/);
  }, 120_000);

  test("an out-of-bounds access in a C extension is a crash finding naming its line", async () => {
    const oob = await compileC(
      "/nonexistent-interlock-test/oob.c",
      `#include "interlock.h"
static PyMutex mutex;
static int count, henv;
int IL_EXPORT(Py_mod_exec)(int interp) {
  (void)interp;
  PyMutex_Lock(&mutex);
  if (count++ == 0) henv = il_library_init();
  PyMutex_Unlock(&mutex);
  return 0;
}
void IL_EXPORT(m_free)(int interp) {
  (void)interp;
  PyMutex_Lock(&mutex);
  if (--count == 0) il_library_fini(henv);
  PyMutex_Unlock(&mutex);
}
int IL_EXPORT(use_henv)(int interp) {
  int *far = (int *)0x40000000;
  return *far + interp;
}
`,
    );
    const row = checkCClient(oob, henv);
    expect(row.result.violation?.property).toBe("crash");
    expect(row.result.violation?.message).toMatch(/an access out of bounds \(address 1073741824\) at oob\.c:19 \(use_henv\)/);
    const report = clientReport({ compiled: oob, file: "oob.c", scenario: henv, row, seed: 1, options: {}, replay: "", elapsedMs: null });
    expect(report.violation).toMatchObject({ property: "crash", propertyName: expect.stringMatching(/without crashing/) });
  }, 120_000);

  test("a trap in a C family implementation is a disagreement at the step that made it, naming its line", async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "interlock-c-"));
    // module_slots.c with a trap where it reads the global state for use_global_state
    const source = readFileSync(example("module_slots.c"), "utf8").replace("case IL_use_global_state:", "case IL_use_global_state:\n      __builtin_trap();");
    writeFileSync(join(dir, "slots_trap.c"), source);
    const trapping = await compileC(join(dir, "slots_trap.c"));
    const r = explored(cFamilyFactory(trapping, "module_slots")(config), 2);
    expect(r.verdict).toBe("violation");
    expect(r.violation?.message).toMatch(/use odbc.s global state in interp \d returned error C trap: the C code trapped \(unreachable\) after slots_trap\.c:\d+ \(call\)/);
  }, 120_000);
});
