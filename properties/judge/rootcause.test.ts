import { describe, expect, it } from "vitest";
import { encodeIndex, refTo, type AnyCall, type FamilyName } from "../../model/index.js";
import { implementations } from "../../impl/index.js";
import { mutants } from "../../impl/mutants/index.js";
import { classifyBySymptom } from "./property-classifier.js";
import { hazardOf } from "../../reports/render/common.js";
import { keepsOwner } from "./fixtures/keeps-owner.js";
import { defaultVerifySettings, planJobs, runJob, type JobResult, type VerifySettings } from "../verify/jobs.js";

/**
 * Root-cause naming by the agreement judge: seeded mutants (impl/mutants) run on a hand-chosen
 * program whose first disagreement the per-call rules name by its symptom — a skipped init (P1),
 * a lock call (P9) — and the judge names by the evidence: the re-initialisation in the placed
 * prefix (P7), the index's generation (P8), the ensure the caller still holds in the model (P3).
 * The correct implementation runs the same programs without a violation.
 */
const henv = refTo("odbc", "henv");
const exec: AnyCall = { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false };
const ensure: AnyCall = { _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" };
const releaseGlobal: AnyCall = { _tag: "PyThread_ReleaseGlobalLock", def: "odbc", name: "henv", index: henv };
const acquire = (index: number, instance?: 1 | 2): AnyCall => ({ _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index, ...(instance ? { instance } : {}) });

function run(family: FamilyName, programs: AnyCall[][], mutantId?: string): JobResult {
  const s: VerifySettings = { ...defaultVerifySettings, families: [family], strategies: ["exhaustive"], interpreters: programs.length, programs: { [family]: programs }, programsSource: "test" };
  const m = mutants.find((x) => x.id === mutantId);
  if (mutantId !== undefined && m === undefined) throw new Error(`no mutant ${mutantId}`);
  return runJob(planJobs(s)[0]!, s, m?.subject ?? implementations[family]);
}

/** What the per-call rules alone name the stuck call (the first symptom). */
function symptomOf(r: JobResult): string {
  const stuck = r.counterexample?.evidence.stuck;
  if (!stuck) throw new Error("no stuck call in the evidence");
  return classifyBySymptom(stuck.call, stuck.observed ?? undefined, stuck.expected === "blocks" ? undefined : stuck.expected).property;
}

const cases: readonly [string, FamilyName, string, AnyCall[][], string, string, RegExp][] = [
  [
    "a refcount kept across Py_FinalizeEx, met by the import after Py_Initialize",
    "module_slots",
    "finalize-keeps-refcount",
    [[exec, { _tag: "Py_FinalizeEx" }, { _tag: "Py_Initialize" }, exec, { _tag: "use_global_state", def: "odbc" }]],
    "P1",
    "P7",
    /odbc's state used after runtime re-initialisation: this is the first odbc call since Py_Initialize.*\(first symptom, P1: /,
  ],
  [
    "a stale index that reaches the re-created lock in a library call",
    "global_lock",
    "no-generation-check",
    [[ensure, releaseGlobal, ensure, acquire(henv), { _tag: "call_unsafe_library", def: "odbc", name: "henv", index: encodeIndex(0, 0) }]],
    "P9",
    "P8",
    /a stale index reached a newer resource: index 1 \(slot 0, generation 0\) no longer resolves, yet call_unsafe_library went through/,
  ],
  [
    "one module instance's release that drops another instance's ensure, met by a lock call",
    "global_lock",
    "ensure-counted-per-interpreter",
    [[ensure, { ...ensure, instance: 2 } as AnyCall, releaseGlobal, acquire(henv, 2)]],
    "P9",
    "P3",
    /a module instance lost its ensure to another instance's release/,
  ],
];

describe("the agreement judge names a disagreement by its cause", () => {
  it.each(cases)("%s: named %s by its symptom, now by its cause", (_what, family, mutant, programs, symptom, cause, message) => {
    const r = run(family, programs, mutant);
    expect(r.result.verdict).toBe("violation");
    expect(symptomOf(r)).toBe(symptom);
    expect(r.result.violation?.property).toBe(cause);
    expect(r.result.violation?.message).toMatch(message);
    expect(r.counterexample?.evidence.property).toBe(cause);
  });

  it.each(cases)("%s: the correct implementation runs the same programs safely", (_what, family, _mutant, programs) => {
    expect(run(family, programs).result.verdict).toBe("ok");
  });
});

describe("an ended interpreter's object kept in process-global storage", () => {
  const storeEnsure: AnyCall = { _tag: "PyRuntime_store_ensure", def: "odbc", name: "henv" };
  const programs: AnyCall[][] = [[storeEnsure], [storeEnsure, { _tag: "PyRuntime_store_set", key: henv, value: 7, owner: "interp" }, { _tag: "Py_EndInterpreter" }]];
  const settings: VerifySettings = { ...defaultVerifySettings, families: ["runtime_store"], strategies: ["exhaustive"], interpreters: 2, programs: { runtime_store: programs }, programsSource: "test" };

  it("is named P4 by the ghost counter, and the heading says so in the extension's terms (no result shows it: every get agrees)", () => {
    const r = runJob(planJobs(settings)[0]!, settings, keepsOwner);
    expect(r.result.violation?.property).toBe("P4");
    expect(r.counterexample?.evidence.ghost?.field).toBe("ghost.dangling");
    expect(hazardOf({ message: r.result.violation?.message ?? "", propertyName: "" })).toBe("interpreter-owned values left in process-global storage when their owner died");
  });

  it("the correct store runs the same programs safely", () => {
    expect(runJob(planJobs(settings)[0]!, settings).result.verdict).toBe("ok");
  });
});
