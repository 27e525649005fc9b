import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mutants } from "../../impl/mutants/index.js";
import { encodeIndex, refTo, threadId } from "../../model/index.js";
import { decodePrograms, ProgramsFileError, programsRun, readProgramsFile } from "./programs-file.js";
import { defaultVerifySettings, planJobs, runJob, type VerifySettings } from "../verify/jobs.js";

const dir = mkdtempSync(join(tmpdir(), "interlock-programs-"));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const exec = { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false };
const ensure = { _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" };
const messageOf = (doc: unknown): string => {
  try {
    decodePrograms(doc, "--programs \"p.json\"");
  } catch (e) {
    if (e instanceof ProgramsFileError) return e.message;
    throw e;
  }
  throw new Error("decoded without complaint");
};

describe("a programs file", () => {
  it("decodes each family's programs with the family's Call schema, references included", () => {
    const p = decodePrograms(
      {
        module_slots: [[exec, { _tag: "use_global_state", def: "odbc" }], []],
        runtime_store: [[{ _tag: "PyRuntime_store_get", key: "received:odbc/henv" }]],
        global_lock: [[ensure, { _tag: "PyThread_GetGlobalLock", def: "odbc", name: "henv", index: "received" }]],
      },
      "test",
    );
    expect(p.module_slots).toEqual([[exec, { _tag: "use_global_state", def: "odbc" }], []]);
    expect(p.runtime_store?.[0]?.[0]).toEqual({ _tag: "PyRuntime_store_get", key: refTo("odbc", "henv") });
    expect(p.global_lock?.[0]?.[1]).toMatchObject({ index: refTo("odbc", "henv") });
  });

  it.each([
    ["not an object", [1], /--programs "p\.json": not a JSON object; write \{ "<family>": \[\[calls of interpreter 1\]/],
    ["an unknown family", { global_gil: [[]] }, /unknown family "global_gil"; expected one of global_lock, /],
    ["no program", { module_slots: [] }, /module_slots must be an array of 1 to 32 programs, one per interpreter \(or thread\)/],
    ["a thread out of range", { global_lock: [[ensure], { interp: 1, thread: 5, calls: [] }] }, /global_lock, program 2: "thread" .*; write an array of calls .* or \{ "interp": 1, "thread": 2, "calls": \[ … \] \}/],
    ["two programs on one thread", { global_lock: [[ensure], { interp: 1, calls: [] }] }, /global_lock gives two programs to interp 1 thread 1; give each thread one program/],
    ["a program that is not a list", { module_slots: [[exec], { _tag: "x" }] }, /module_slots, program 2: .*; write an array of calls \(\[\] for an interpreter that makes no call\)/],
    ["a call of another family", { module_slots: [[exec, ensure]] }, /module_slots, interpreter 1, call 2: "PyThread_EnsureGlobalLock" is not a module_slots call; the family's calls are PyModule_ExecDef, /],
    ["a missing field", { module_slots: [[{ _tag: "use_global_state" }]] }, /module_slots, interpreter 1, call 1: "def" is missing; write it as \{"_tag":"use_global_state"/],
    ["a misspelt field", { module_slots: [[{ ...exec, initFail: true }]] }, /interpreter 1, call 1: "initFail" is unexpected, expected: .*; write it as /],
    ["a bad reference", { global_lock: [[{ ...ensure, _tag: "PyThread_GetGlobalLock", index: "mine" }]] }, /call 1: index "mine" is not a reference; write a number, "received" /],
  ])("refuses %s with one line naming where, what and the fix", (_what, doc, expected) => {
    const m = messageOf(doc);
    expect(m).toMatch(expected);
    expect(m).not.toContain("\n");
  });

  it("reads from disk and words an unreadable or ill-formed file", () => {
    expect(() => readProgramsFile(join(dir, "nope.json"))).toThrow(/nope\.json": no such file; pass a JSON file of programs/);
    expect(() => readProgramsFile(file("bad.json", "{ module_slots"))).toThrow(/bad\.json": not valid JSON \(/);
    expect(readProgramsFile(file("ok.json", JSON.stringify({ module_slots: [[exec]] }))).module_slots).toEqual([[exec]]);
  });

  it("sets the run's families and interpreters, and refuses a mismatch with the flags", () => {
    const p = decodePrograms({ module_slots: [[exec], [exec]], static_mutex: [[], []] }, "f");
    expect(programsRun(p, "f", undefined, undefined)).toEqual({ families: ["module_slots", "static_mutex"], interpreters: 2 });
    expect(() => programsRun(p, "f", ["global_lock"], undefined)).toThrow(/f has no programs for global_lock; add a "global_lock" entry or leave global_lock out of --family/);
    expect(() => programsRun(p, "f", undefined, 3)).toThrow(/f: module_slots has 2 program\(s\) but --interpreters is 3; .* \(or pass --interpreters 2\)/);
    const uneven = decodePrograms({ module_slots: [[exec], [exec]], static_mutex: [[]] }, "f");
    expect(() => programsRun(uneven, "f", undefined, undefined)).toThrow(/static_mutex has 1 program\(s\) but module_slots has 2/);
  });
});

describe("a programs file with threads (model D18)", () => {
  const acquire = { _tag: "PyThread_acquire_lock", def: "odbc", name: "henv", index: "received" };
  const doc = { global_lock: [[ensure, acquire], { interp: 1, thread: 2, calls: [ensure, acquire] }] };

  it("decodes { interp, thread, calls } programs into a program set that carries its thread ids, and sizes the run from them", () => {
    const p = decodePrograms(doc, "f");
    expect(p.global_lock?.threads).toEqual([1, threadId(1, 2)]);
    expect(p.global_lock?.[1]?.[1]).toMatchObject({ _tag: "PyThread_acquire_lock", index: refTo("odbc", "henv") });
    expect(programsRun(p, "f", undefined, undefined)).toEqual({ families: ["global_lock"], interpreters: 1, threads: 2 });
    expect(() => programsRun(p, "f", undefined, 0)).toThrow(/its threads run in 1 interpreters but --interpreters is 0/);
    // A file of plain arrays carries no thread ids: program i is interpreter i + 1, as before.
    expect(decodePrograms({ global_lock: [[ensure], [ensure]] }, "f").global_lock?.threads).toBeUndefined();
  });

  it("verify runs them with two threads per interpreter: the correct implementation is ok, the owner-is-the-interpreter mutant is caught", () => {
    const m = mutants.find((x) => x.id === "owner-is-the-interpreter");
    if (m === undefined) throw new Error("the owner-is-the-interpreter mutant is gone from the catalogue");
    const programs = decodePrograms(doc, "f");
    const s: VerifySettings = { ...defaultVerifySettings, strategies: ["exhaustive"], programs, programsSource: "p.json", ...programsRun(programs, "f", undefined, undefined) };
    const job = planJobs(s)[0]!;
    const ok = runJob(job, s);
    expect(ok.config).toMatchObject({ interpreters: 1, threads: 2 });
    expect(ok.result.verdict).toBe("ok");
    const caught = runJob(job, s, m.subject);
    expect(caught.result.verdict).toBe("violation");
    expect(caught.result.violation?.message).toMatch(/interp 1 · thread 2 returned error Reentrant/);
    expect(caught.programs.threads).toEqual([1, threadId(1, 2)]);
  });
});

describe("verify with chosen programs", () => {
  const withPrograms = (programs: NonNullable<VerifySettings["programs"]>, family: "global_lock" | "module_slots", interpreters: number): VerifySettings => ({
    ...defaultVerifySettings,
    families: [family],
    interpreters,
    runs: 40,
    programs,
    programsSource: "p.json",
  });

  it("runs the file's programs under every strategy, and the job says so", () => {
    const programs = decodePrograms({ module_slots: [[exec, { _tag: "Py_FinalizeEx" }], [exec]] }, "f");
    const s = withPrograms(programs, "module_slots", 2);
    for (const job of planJobs(s)) {
      expect(job.workload).toBe("programs from p.json in 2 interpreters");
      const r = runJob(job, s);
      expect(r.result.verdict, job.id).toBe("ok");
      expect(r.programs).toEqual(programs.module_slots);
    }
  });

  it("catches the seeded stale-index mutant with a hand-written program that the typical program never reaches", () => {
    const m = mutants.find((x) => x.id === "no-generation-check");
    if (m === undefined) throw new Error("the no-generation-check mutant is gone from the catalogue");
    const typical = { ...defaultVerifySettings, families: ["global_lock" as const], interpreters: 1, strategies: ["exhaustive" as const] };
    expect(runJob(planJobs(typical)[0]!, typical, m.subject).result.verdict).toBe("ok");
    const programs = decodePrograms(
      { global_lock: [[ensure, { _tag: "PyThread_ReleaseGlobalLock", def: "odbc", name: "henv", index: "received" }, ensure, { _tag: "PyThread_GetGlobalLock", def: "odbc", name: "henv", index: encodeIndex(0, 0) }]] },
      "f",
    );
    const s = { ...withPrograms(programs, "global_lock", 1), strategies: ["exhaustive" as const] };
    const r = runJob(planJobs(s)[0]!, s, m.subject);
    expect(r.result.verdict).toBe("violation");
    expect(r.result.violation?.property).toBe("P8");
  });
});
