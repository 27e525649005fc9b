import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./cli-harness.js";
import { planJobs, shardJobs, strategyNames } from "../properties/verify/jobs.js";
import { familyNames } from "../model/index.js";


const dir = mkdtempSync(join(tmpdir(), "interlock-cli-"));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const history = (doc: object): string => JSON.stringify({ format: "interlock-history", version: 1, family: "module_slots", config: { interpreters: 3, capacity: 4 }, operations: [], ...doc });
const use = { _tag: "use_global_state", def: "odbc" };
const fixtures = {
  truncated: file("truncated.json", '{"format": "interlock-history", "version": 1, "fam'),
  wrongFormat: file("wrong-format.json", history({ format: "something-else" })),
  wrongVersion: file("wrong-version.json", history({ version: 7 })),
  unknownFamily: file("unknown-family.json", history({ family: "global_gil" })),
  badCall: file("bad-call.json", history({ operations: [{ interp: 1, call: { _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" }, invoke: 0, respond: 1, result: { _tag: "Ok", value: 1 } }] })),
  respondsEarly: file("responds-early.json", history({ operations: [{ interp: 1, call: use, invoke: 5, respond: 2, result: { _tag: "Ok", value: 0 } }] })),
  noResult: file("no-result.json", history({ operations: [{ interp: 1, call: use, invoke: 0, respond: 2 }] })),
  interpTooBig: file("interp-too-big.json", history({ operations: [{ interp: 5, call: use, invoke: 0 }] })),
  notObject: file("array.json", "[1, 2, 3]"),
  empty: file("empty.json", ""),
  ok: file("ok.json", history({ operations: [] })),
  reportTruncated: file("report-truncated.json", '{"format": "interlock-report", "vers'),
  reportWrongVersion: file("report-v3.json", JSON.stringify({ format: "interlock-report", version: 3 })),
  reportWrongFormat: file("report-format.json", JSON.stringify({ format: "interlock-history", version: 1 })),
  implNoFactories: file("impl-none.mjs", "export const answer = 42;\n"),
  implNotFunction: file("impl-not-function.mjs", "export const module_slots = 42;\n"),
  implBadSubject: file("impl-bad-subject.mjs", "export function module_slots() { return { name: 'x', start() {} }; }\n"),
  implThrowsOnLoad: file("impl-throws.mjs", "throw new Error('boom at load');\n"),
  implFactoryThrows: file("impl-factory-throws.mjs", "export function static_mutex() { throw new Error('no config for me'); }\n"),
  aFile: file("not-a-dir", "x"),
  programsOtherCall: file("programs-other-call.json", JSON.stringify({ module_slots: [[use], [{ _tag: "PyThread_EnsureGlobalLock", def: "odbc", name: "henv" }]] })),
  programsMissingField: file("programs-missing-field.json", JSON.stringify({ module_slots: [[use, { _tag: "unload_module" }]] })),
  programsNotJson: file("programs-not-json.json", "{ module_slots: [["),
  programsOk: file("programs-ok.json", JSON.stringify({ module_slots: [[{ _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false }, use, { _tag: "unload_module", def: "odbc" }], [use]] })),
};
mkdirSync(join(dir, "a-directory"));

/** Each bad input: the argv, and a fragment of the one-line message it must get (exit code 2). */
const badInputs: [string, string[], RegExp][] = [
  ["an unknown command", ["frobnicate"], /unknown command "frobnicate"/],
  ["an unknown family", ["verify", "--family", "global_gil"], /unknown family "global_gil"; expected one of/],
  ["an unknown strategy", ["verify", "--strategy", "dpor"], /unknown strategy "dpor"/],
  ["a shard of zero", ["verify", "--shard", "0/2"], /--shard 0\/2: need 1 ≤ i ≤ n/],
  ["a shard past its count", ["verify", "--shard", "3/2"], /--shard 3\/2: need 1 ≤ i ≤ n/],
  ["a shard that is not i/n", ["verify", "--shard", "half"], /--shard must look like i\/n/],
  ["a shard count of zero", ["verify", "--shard", "1/0"], /--shard 1\/0: need 1 ≤ i ≤ n/],
  ["zero interpreters", ["verify", "--interpreters", "0"], /--interpreters must be between 1 and 8/],
  ["too many interpreters", ["verify", "--interpreters", "9"], /--interpreters must be between 1 and 8/],
  ["interpreters that are not a number", ["verify", "--interpreters", "three"], /--interpreters must be a whole number/],
  ["a negative seed", ["verify", "--seed=-1"], /--seed must be between 0/],
  ["a zero budget", ["verify", "--budget-ms", "0"], /--budget-ms must be between 1/],
  ["zero runs", ["verify", "--runs", "0"], /--runs must be between 1/],
  ["an unknown report format", ["verify", "--format", "pdf"], /unknown report format "pdf"/],
  ["an unknown flag", ["verify", "--colour"], /verify: Unknown option '--colour'/],
  ["an unexpected argument", ["verify", "everything"], /unexpected argument "everything"/],
  ["a missing --impl module", ["verify", "--impl", join(dir, "nope.mjs")], /--impl .*nope\.mjs: no such file/],
  ["an --impl module without factories", ["verify", "--impl", fixtures.implNoFactories], /exports no Subject factory/],
  ["an --impl factory that is not a function", ["verify", "--impl", fixtures.implNotFunction], /export "module_slots" must be a function/],
  ["an --impl Subject without words", ["verify", "--impl", fixtures.implBadSubject], /does not meet the Subject contract: "words" must be a positive integer/],
  ["an --impl module that throws when loaded", ["verify", "--impl", fixtures.implThrowsOnLoad], /the module failed to load \(boom at load\)/],
  ["an --impl factory that throws", ["verify", "--impl", fixtures.implFactoryThrows], /static_mutex\(config\) threw \(no config for me\)/],
  ["an --impl missing the family asked for", ["verify", "--impl", fixtures.implFactoryThrows, "--family", "module_slots"], /provides no module_slots/],
  ["a report directory that is a file", ["verify", "--family", "module_slots", "--strategy", "random", "--program-sets", "1", "--report-dir", fixtures.aFile], /report directory .*not-a-dir" is a file; pass a directory/],
  ["a programs file with another family's call", ["verify", "--programs", fixtures.programsOtherCall], /--programs ".*programs-other-call\.json": module_slots, interpreter 2, call 1: "PyThread_EnsureGlobalLock" is not a module_slots call; the family's calls are /],
  ["a programs file with a call missing a field", ["verify", "--programs", fixtures.programsMissingField], /module_slots, interpreter 1, call 2: "def" is missing; write it as \{"_tag":"unload_module"/],
  ["a programs file that is not JSON", ["verify", "--programs", fixtures.programsNotJson], /programs-not-json\.json": not valid JSON \(.*\); write one object mapping each family to its programs/],
  ["a programs file that does not exist", ["verify", "--programs", join(dir, "no-programs.json")], /no-programs\.json": no such file; pass a JSON file of programs/],
  ["a programs file without the family asked for", ["verify", "--programs", fixtures.programsOk, "--family", "global_lock"], /has no programs for global_lock; add a "global_lock" entry/],
  ["a programs file with fewer programs than interpreters", ["verify", "--programs", fixtures.programsOk, "--interpreters", "3"], /module_slots has 2 program\(s\) but --interpreters is 3; .*\(or pass --interpreters 2\)/],
  ["check-history without a file", ["check-history"], /missing history file/],
  ["a history file that does not exist", ["check-history", join(dir, "missing.json")], /cannot read history file .*: no such file/],
  ["a history file that is a directory", ["check-history", join(dir, "a-directory")], /it is a directory/],
  ["a truncated history file", ["check-history", fixtures.truncated], /is not valid JSON .*is it truncated\?/],
  ["an empty history file", ["check-history", fixtures.empty], /is not valid JSON/],
  ["a history that is not an object", ["check-history", fixtures.notObject], /"format" must be "interlock-history"|not a JSON object/],
  ["a history of another format", ["check-history", fixtures.wrongFormat], /"format" must be "interlock-history"/],
  ["a history of another version", ["check-history", fixtures.wrongVersion], /version 7 is not supported; this interlock reads version 1/],
  ["a history of an unknown family", ["check-history", fixtures.unknownFamily], /unknown family "global_gil"/],
  ["a history with another family's call", ["check-history", fixtures.badCall], /operation 0: not a module_slots call/],
  ["a history that responds before it invokes", ["check-history", fixtures.respondsEarly], /responds \(2\) before it is invoked \(5\)/],
  ["a history with a response but no result", ["check-history", fixtures.noResult], /"respond" and "result" must be given together/],
  ["a history naming an interpreter past its config", ["check-history", fixtures.interpTooBig], /interp 5 exceeds config.interpreters \(3\)/],
  ["a history checked as the wrong family", ["check-history", fixtures.ok, "--family", "global_lock"], /holds a module_slots history, not global_lock/],
  ["an unknown benchmark", ["bench", "everything"], /unknown benchmark "everything"/],
  ["replay of a report that does not exist", ["replay", join(dir, "no-report.json")], /cannot read report .*: no such file/],
  ["replay of a truncated report", ["replay", fixtures.reportTruncated], /is not valid JSON .*is it truncated\?/],
  ["replay of a report of another version", ["replay", fixtures.reportWrongVersion], /this report is version 3; this interlock reads version 2/],
  ["replay of something that is not a report", ["replay", fixtures.reportWrongFormat], /is not an interlock report: its format is "interlock-history"/],
  ["replay without a report", ["replay"], /missing report file/],
  ["an unknown mutant", ["mutants", "--only", "nope"], /unknown mutant "nope"/],
  ["an unknown mutant strategy", ["mutants", "--strategy", "dpor"], /unknown strategy "dpor"/],
  ["an unknown compare flag", ["compare", "--colour"], /compare: Unknown option '--colour'/],
  ["stress without a family", ["stress"], /stress: --family is required/],
  ["stress with too many workers", ["stress", "--family", "module_slots", "--workers", "9"], /--workers must be between 1 and 8/],
];

describe("bad input gets one clear line and exit code 2", () => {
  it("has at least 30 cases", () => expect(badInputs.length).toBeGreaterThanOrEqual(30));
  it.each(badInputs)("%s", async (_name, argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const lines = r.err.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^interlock: /);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).not.toMatch(/\n\s+at /);
  });

  it("a bad programs file writes no report", async () => {
    const out = join(dir, "untouched-programs");
    const r = await cli("verify", "--programs", fixtures.programsMissingField, "--report-dir", out);
    expect(r.code).toBe(2);
    expect(() => readdirSync(out)).toThrow();
  });

  it("a bad input writes no report", async () => {
    const out = join(dir, "untouched");
    await cli("verify", "--family", "module_slots", "--format", "pdf", "--report-dir", out);
    expect(() => readdirSync(out)).toThrow();
  });

  it("the installed command prints no stack trace for bad input", () => {
    const r = spawnSync(process.execPath, ["bin/interlock.mjs", "verify", "--shard", "9/2"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("interlock: --shard 9/2: need 1 ≤ i ≤ n\n");
  });
});

describe("help", () => {
  it("interlock --help lists every command and the exit codes", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    for (const c of ["verify", "replay", "mutants", "check-history", "compare", "bench"]) expect(r.out).toContain(c);
    expect(r.out).toContain("Exit codes: 0 agreement, 1 counterexample found, 2 usage or input error");
  });
  it.each(["verify", "replay", "mutants", "check-history", "compare", "bench"])("interlock %s --help explains the command", async (c) => {
    const r = await cli(c, "--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: interlock ${c}`));
  });
});

describe("shards", () => {
  it.each([1, 2, 3, 4, 7])("shards 1..%i together cover exactly the unsharded jobs, each once", (n) => {
    const all = planJobs({ families: familyNames, strategies: strategyNames, interpreters: 3 }).map((j) => j.id);
    const parts = Array.from({ length: n }, (_, i) => shardJobs(planJobs({ families: familyNames, strategies: strategyNames, interpreters: 3 }), i + 1, n).map((j) => j.id));
    expect(parts.flat().sort()).toEqual([...all].sort());
    expect(new Set(parts.flat()).size).toBe(all.length);
  });

  it("the CLI's shards run exactly the unsharded run's jobs", async () => {
    const args = ["verify", "--family", "module_slots,static_mutex", "--strategy", "pct,random", "--runs", "40", "--program-sets", "2", "--json"];
    const whole = JSON.parse((await cli(...args, "--report-dir", join(dir, "whole"))).out).jobs.map((j: { job: string }) => j.job);
    const one = JSON.parse((await cli(...args, "--shard", "1/2", "--report-dir", join(dir, "s1"))).out).jobs.map((j: { job: string }) => j.job);
    const two = JSON.parse((await cli(...args, "--shard", "2/2", "--report-dir", join(dir, "s2"))).out).jobs.map((j: { job: string }) => j.job);
    expect([...one, ...two].sort()).toEqual([...whole].sort());
    expect(one.filter((j: string) => two.includes(j))).toEqual([]);
  });
});

describe("determinism", () => {
  it("the same command with the same seed writes byte-identical reports", async () => {
    const args = ["verify", "--family", "module_slots,static_mutex", "--strategy", "exhaustive,pct,random", "--interpreters", "2", "--runs", "100", "--program-sets", "3", "--seed", "7", "--format", "json,md,html,junit"];
    const a = join(dir, "det-a");
    const b = join(dir, "det-b");
    expect((await cli(...args, "--report-dir", a)).code).toBe(0);
    expect((await cli(...args, "--report-dir", b)).code).toBe(0);
    const files = readdirSync(join(a, "verify")).sort();
    expect(files.length).toBeGreaterThan(10);
    expect(readdirSync(join(b, "verify")).sort()).toEqual(files);
    for (const f of files) {
      // The replay command names the report folder, which differs between the two runs by design.
      const read = (root: string) => readFileSync(join(root, "verify", f), "utf8").split(basename(root)).join("<dir>");
      expect(read(b), f).toBe(read(a));
    }
  });
});

describe("stress writes histories that check-history judges", () => {
  it("a recorded stress history is written as a history file and judged linearizable; a corrupted copy is not", async () => {
    const path = join(dir, "stress", "static_mutex.json");
    const r = await cli("stress", "--family", "static_mutex", "--workers", "3", "--calls", "400", "--history", path);
    expect(r.code).toBe(0);
    expect(r.out).toContain("history: ok");
    expect((await cli("check-history", path)).code).toBe(0);
    // Corrupt it: the first library call claims a count the model cannot give at that point.
    const doc = JSON.parse(readFileSync(path, "utf8")) as { operations: { call: { _tag: string }; result?: { _tag: string; value?: number } }[] };
    const op = doc.operations.find((o) => o.call._tag === "call_unsafe_library" && o.result?._tag === "Ok")!;
    op.result = { _tag: "Ok", value: 999 };
    const bad = file("corrupted-stress.json", JSON.stringify(doc));
    const c = await cli("check-history", bad);
    expect(c.code).toBe(1);
    expect(c.out).toContain("not linearizable");
  });
});

describe("check-history", () => {
  it("accepts a linearizable history with exit 0 and names it", async () => {
    const r = await cli("check-history", fixtures.ok);
    expect(r.code).toBe(0);
    expect(r.out).toContain("ok: 0 operations of module_slots are linearizable");
  });
  it("rejects a non-linearizable history with exit 1 and says why", async () => {
    const p = file(
      "bad.json",
      history({
        operations: [
          { interp: 1, call: { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false }, invoke: 0, respond: 1, result: { _tag: "Ok", value: 1 } },
          { interp: 2, call: { _tag: "PyModule_ExecDef", def: "odbc", initFails: false, execFails: false, initImportsSelf: false }, invoke: 2, respond: 3, result: { _tag: "Ok", value: 1 } },
        ],
      }),
    );
    const r = await cli("check-history", p);
    expect(r.code).toBe(1);
    expect(r.out).toContain("violation: module_slots history is not linearizable");
  });
  it("the installed command runs from a clean process", () => {
    const out = execFileSync(process.execPath, ["bin/interlock.mjs", "check-history", fixtures.ok], { encoding: "utf8" });
    expect(out).toContain("linearizable");
  });
});

describe("verify --programs", () => {
  it("runs the chosen programs under every strategy and records them in each report", async () => {
    const out = join(dir, "chosen");
    const r = await cli("verify", "--programs", fixtures.programsOk, "--runs", "40", "--jobs", "1", "--report-dir", out, "--json");
    expect(r.code).toBe(0);
    const jobs = JSON.parse(r.out).jobs.map((j: { job: string }) => j.job);
    expect(jobs).toEqual(strategyNames.map((s) => `module_slots.${s}`));
    for (const job of jobs) {
      const report = JSON.parse(readFileSync(join(out, "verify", `${job}.json`), "utf8"));
      expect(report.config.options.workload).toBe("programs from programs-ok.json in 2 interpreters");
      expect(report.programs.map((p: { calls: string[] }) => p.calls.length)).toEqual([3, 1]);
    }
  });

  it("with an --impl module, runs only the file's families, not every family the module provides", async () => {
    const impl = file("impl-two-families.mjs", `export { module_slots, static_mutex } from ${JSON.stringify(join(process.cwd(), "dist", "impl", "index.js"))};\n`);
    const r = await cli("verify", "--impl", impl, "--programs", fixtures.programsOk, "--strategy", "exhaustive", "--report-dir", join(dir, "chosen-impl"), "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).jobs.map((j: { job: string }) => j.job)).toEqual(["module_slots.exhaustive"]);
  });

  it("is explained by verify --help", async () => {
    const r = await cli("verify", "--help");
    expect(r.out).toMatch(/--programs file {5}chosen workloads: a JSON object mapping each family/);
  });
});
